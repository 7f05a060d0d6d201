"""``python -m api.staff``: staff accounts on the configured database.

    python -m api.staff create-admin NAME [--password-stdin] [--url URL]
    python -m api.staff create-user NAME --role staff|editor|admin [--password-stdin] [--url URL]
    python -m api.staff list [--url URL]
    python -m api.staff set-password NAME [--password-stdin] [--url URL]   (ends its sessions)
    python -m api.staff set-role NAME staff|editor|admin [--url URL]
    python -m api.staff deactivate NAME [--url URL]                        (ends its sessions)
    python -m api.staff reactivate NAME [--url URL]
    python -m api.staff end-sessions NAME [--url URL]
    python -m api.staff audit [NAME] [--url URL]

The password comes from the first line of stdin (for scripts) or is asked twice;
it is never an argument, which would leave it in the shell history and the process list.
A new password is refused when it is short, common or holds the username. Every change
is written to the accounts' audit trail with the actor ``cli``.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from api.db.migrate import upgrade
from api.settings import ApiSettings
from api.staff.accounts import ROLES, AccountError, AccountStore
from api.staff.passwords import password_problem

ACTOR = "cli"
ROLE_LABELS = {"staff": "工作人员", "editor": "编辑", "admin": "管理员"}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m api.staff", description="工友助手 staff accounts")
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, help_text: str, username: bool = True) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text)
        if username:
            sub.add_argument("username")
        sub.add_argument("--url", help="database URL (default: API_DATABASE_URL or the development SQLite)")
        return sub

    for name, help_text in (("create-admin", "create an admin account"), ("create-user", "create an account")):
        created = command(name, help_text)
        created.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
        if name == "create-user":
            created.add_argument("--role", choices=ROLES, required=True)
    command("list", "list the accounts", username=False)
    command("set-password", "set an account's password (ends its sessions)").add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )
    command("set-role", "change an account's role").add_argument("role", choices=ROLES)
    command("deactivate", "deactivate an account (ends its sessions)")
    command("reactivate", "reactivate an account")
    command("end-sessions", "sign an account out everywhere")
    audit = command("audit", "the accounts' audit trail, newest first", username=False)
    audit.add_argument("username", nargs="?", default="")
    return parser.parse_args(argv)


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("密码：")
    if getpass.getpass("再输一遍：") != password:
        raise AccountError("两次输入的密码不一样")
    return password


def new_password(args: argparse.Namespace) -> str:
    password = read_password(args.password_stdin)
    # Checked before the slow migration and hashing.
    problem = password_problem(password, args.username)
    if problem:
        raise AccountError(problem)
    return password


def run(args: argparse.Namespace, store: AccountStore, password: str) -> str:
    """What the command did, in a sentence (AccountError when refused)."""
    name = str(getattr(args, "username", ""))
    if args.command in ("create-admin", "create-user"):
        role = "admin" if args.command == "create-admin" else str(args.role)
        user = store.create_user(name, password, role, actor=ACTOR)
        return f"已创建 {user.role} 账号 {user.username}"
    if args.command == "list":
        lines = [
            f"{a.username}\t{ROLE_LABELS[a.role]}\t{'启用' if a.active else '停用'}\t{a.sessions} 个登录"
            for a in store.accounts()
        ]
        return "\n".join(lines) or "还没有账号"
    if args.command == "audit":
        rows = store.audit(name or None)
        return "\n".join(f"{r.at:%Y-%m-%d %H:%M}\t{r.actor}\t{r.action}\t{r.username}\t{r.note}" for r in rows)
    if args.command == "set-password":
        store.reset_password(ACTOR, name, password)
        return f"已重设 {name} 的密码，其登录已全部退出"
    if args.command == "set-role":
        store.set_role(ACTOR, name, str(args.role))
        return f"{name} 现在是{ROLE_LABELS[args.role]}"
    if args.command in ("deactivate", "reactivate"):
        store.set_active(ACTOR, name, args.command == "reactivate")
        return f"已重新启用 {name}" if args.command == "reactivate" else f"已停用 {name}，其登录已全部退出"
    return f"{name} 的 {store.revoke_sessions(ACTOR, name)} 个登录已退出"  # end-sessions


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = args.url or ApiSettings().database_url
    try:
        needs_password = args.command in ("create-admin", "create-user", "set-password")
        password = new_password(args) if needs_password else ""
        upgrade(url)
        store = AccountStore(url)
        try:
            said = run(args, store, password)
        finally:
            store.engine.dispose()
    except AccountError as exc:
        print(f"没有完成：{exc}", file=sys.stderr)
        return 1
    print(said)
    return 0
