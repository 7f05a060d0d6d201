"""``python -m api.staff``: make staff accounts on the configured database.

    python -m api.staff create-admin NAME [--password-stdin] [--url URL]
    python -m api.staff create-user NAME --role staff|editor|admin [--password-stdin] [--url URL]

The password comes from the first line of stdin (for scripts) or is asked twice;
it is never an argument, which would leave it in the shell history and the process list.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from api.db.migrate import upgrade
from api.settings import ApiSettings
from api.staff.accounts import MIN_PASSWORD_CHARS, ROLES, AccountError, AccountStore


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m api.staff", description="工友助手 staff accounts")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (("create-admin", "create an admin account"), ("create-user", "create an account")):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("username")
        command.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
        command.add_argument("--url", help="database URL (default: API_DATABASE_URL or the development SQLite)")
        if name == "create-user":
            command.add_argument("--role", choices=ROLES, required=True)
    return parser.parse_args(argv)


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("密码：")
    if getpass.getpass("再输一遍：") != password:
        raise AccountError("两次输入的密码不一样")
    return password


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    role = "admin" if args.command == "create-admin" else str(args.role)
    url = args.url or ApiSettings().database_url
    try:
        password = read_password(args.password_stdin)
        if len(password) < MIN_PASSWORD_CHARS:  # checked before the slow migration and hashing
            raise AccountError(f"密码至少要 {MIN_PASSWORD_CHARS} 个字符")
        upgrade(url)
        store = AccountStore(url)
        try:
            user = store.create_user(args.username, password, role)
        finally:
            store.engine.dispose()
    except AccountError as exc:
        print(f"没有创建：{exc}", file=sys.stderr)
        return 1
    print(f"已创建 {user.role} 账号 {user.username}")
    return 0
