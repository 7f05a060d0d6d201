"""Faults, with real processes: two Rasa and two api replicas on PostgreSQL and Redis.

The cluster is deploy/local_cluster.py (what `make run-scaled` starts), on a PostgreSQL
and a Redis of the tests' own (tests/support/private_services.py) so that they can be stopped
and restarted without touching the machine's shared servers. Each test leaves every
process running again for the next.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import pytest
import redis

from api.conversations.history import History
from api.conversations.rasa_client import replica_for
from api.conversations.turn import FAILURE_REPLY
from api.privacy.tracker_retention import TrackerRetention
from deploy.local_cluster import PROJECT_ROOT, Cluster
from tests.support.private_services import PG_BIN, PrivatePostgres, PrivateRedis
from tests.support.system import trained_model
from tests.test_pii import make_card, make_id
from tests.test_wechat import AES_KEY, APP_ID, OPENID, SECRET, TOKEN, WeChatApiStandIn, reply_text, sealed, text_xml

pytestmark = pytest.mark.slow

WAGES = "老板欠我三个月工资不给怎么办"
GREETING = "你好"
ANSWER_KEY = "answer:wages_owed"
FIGURES = PROJECT_ROOT / ".cache" / "fault-figures.json"


@dataclass
class Setup:
    cluster: Cluster
    postgres: PrivatePostgres
    redis: PrivateRedis
    wechat: WeChatApiStandIn
    # What each fault cost, written to .cache/fault-figures.json for the README and the notes.
    figures: dict[str, dict[str, float | int]] = field(default_factory=dict)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    postgres, redis = PrivatePostgres(), PrivateRedis()
    postgres.init()
    postgres.start()
    redis.start()
    with WeChatApiStandIn() as wechat:
        cluster = Cluster(
            Path(tmp_path_factory.mktemp("cluster")),
            trained_model(),
            postgres.target,
            redis.target,
            extra_env={
                "API_RATE_PER_MINUTE": "100000",
                "API_KNOWLEDGE_REFRESH_S": "1",
                "API_WECHAT_TOKEN": TOKEN,
                "API_WECHAT_AES_KEY": AES_KEY,
                "API_WECHAT_APP_ID": APP_ID,
                "API_WECHAT_APP_SECRET": SECRET,
                "API_WECHAT_API_BASE": wechat.url,
            },
        )
        postgres.target.create_databases()
        try:
            cluster.start_all()
            running = Setup(cluster, postgres, redis, wechat)
            yield running
            FIGURES.parent.mkdir(parents=True, exist_ok=True)
            FIGURES.write_text(json.dumps(running.figures, ensure_ascii=False, indent=2) + "\n")
        finally:
            cluster.stop_all()
            redis.stop()
            postgres.remove()


# --- helpers --------------------------------------------------------------------------------


def session_on(cluster: Cluster, replica: int, tag: str) -> str:
    """A web session id whose conversation the api routes to this Rasa replica."""
    urls = [cluster.rasa_url(i) for i in range(cluster.rasa_replicas)]
    while True:
        session = f"{tag}-{uuid.uuid4().hex[:12]}"
        if replica_for(f"web:{session}", urls) == urls[replica]:
            return session


def say(cluster: Cluster, api: int, session: str, text: str, timeout_s: float = 60) -> tuple[int, list[str]]:
    """One worker message through an api replica: the status and the reply texts."""
    try:
        response = httpx.post(
            f"{cluster.api_url(api)}/api/web/messages", json={"session_id": session, "text": text}, timeout=timeout_s
        )
    except httpx.HTTPError:
        return 0, []
    if response.status_code != 200:
        return response.status_code, []
    return 200, [str(r.get("text") or "") for r in response.json()["replies"]]


def answered(texts: list[str]) -> bool:
    return bool(texts) and FAILURE_REPLY not in texts and any(texts)


def history(cluster: Cluster, api: int, session: str) -> list[str]:
    """Everything the api stored of the conversation: from its database, since a reload of the
    widget (/api/web/history) brings back only the last messages."""
    stored = History(cluster.postgres.url(cluster.postgres.api_db)).messages(f"web:{session}")
    return [m.text for m in stored if m.role == "user"]


def tracker_texts(cluster: Cluster, replica: int, session: str) -> list[str]:
    response = httpx.get(
        f"{cluster.rasa_url(replica)}/conversations/web:{session}/tracker", headers=cluster.auth(), timeout=30
    )
    response.raise_for_status()
    return [str(e.get("text") or "") for e in response.json().get("events", []) if e.get("event") == "user"]


def eventually(condition: Callable[[], bool], timeout_s: float, every_s: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every_s)
    return condition()


def script(index: int) -> str:
    return ["你好", WAGES, "请不起律师咋办", "俺们打工的能申请公租房不", "谢谢"][index % 5]


# --- Rasa replica killed under load --------------------------------------------------------------


def test_a_killed_rasa_replica_costs_its_conversations_a_fallback_and_the_others_nothing(setup: Setup) -> None:
    cluster = setup.cluster
    victims = [session_on(cluster, 0, "victim") for _ in range(6)]
    others = [session_on(cluster, 1, "other") for _ in range(6)]
    turns = 6
    outcomes: dict[str, list[tuple[int, list[str]]]] = {s: [] for s in victims + others}
    killed = threading.Event()

    def converse(session: str, api: int) -> None:
        for turn in range(turns):
            outcomes[session].append(say(cluster, api, session, script(turn)))
            if turn == 1 and not killed.is_set() and session == victims[0]:
                killed.set()
                cluster.kill("rasa-0")  # mid-conversation, while the others are in flight

    with ThreadPoolExecutor(max_workers=12) as pool:
        for i, session in enumerate(victims + others):
            pool.submit(converse, session, i % 2)
    assert killed.is_set()

    # The others, on rasa-1: every turn answered, nothing lost, in order, in the api and in Rasa.
    for session in others:
        assert all(status == 200 and answered(texts) for status, texts in outcomes[session]), outcomes[session]
        sent = [script(t) for t in range(turns)]
        assert history(cluster, 0, session) == sent
        assert tracker_texts(cluster, 1, session) == sent
    # The victims got the apology with the hotline (never an error or silence) once rasa-0 was gone.
    for session in victims:
        assert all(status == 200 and texts for status, texts in outcomes[session])
        assert [FAILURE_REPLY] in [texts for _, texts in outcomes[session]]

    restarted = time.monotonic()
    cluster.start("rasa-0")
    cluster.wait_until_ready(["rasa-0"])
    ready_s = time.monotonic() - restarted
    for session in victims:
        # A lock the crashed replica held in Redis lasts until it expires (TICKET_LOCK_LIFETIME, 20 s).
        assert eventually(lambda s=session: answered(say(cluster, 0, s, WAGES)[1]), 60, every_s=2)  # type: ignore[misc]
        # What Rasa had committed before the crash is still in the PostgreSQL tracker store.
        assert tracker_texts(cluster, 0, session)[:2] == [script(0), script(1)]
    setup.figures["rasa_replica_killed"] = {
        "turns_on_other_replica": sum(len(outcomes[s]) for s in others),
        "lost_or_failed_on_other_replica": sum(
            1 for s in others for status, texts in outcomes[s] if status != 200 or not answered(texts)
        ),
        "fallback_turns_on_killed_replica": sum(
            1 for s in victims for _, texts in outcomes[s] if texts == [FAILURE_REPLY]
        ),
        "errors_or_silence": sum(
            1 for s in victims + others for status, texts in outcomes[s] if status != 200 or not texts
        ),
        "restart_ready_s": round(ready_s, 1),
        "all_answering_again_after_restart_s": round(time.monotonic() - restarted, 1),
    }


# --- the action endpoint down ----------------------------------------------------------------------


def test_with_its_action_endpoint_down_a_replica_gives_the_fallback_and_recovers(setup: Setup) -> None:
    cluster = setup.cluster
    on_one, on_zero = session_on(cluster, 1, "noactions"), session_on(cluster, 0, "fine")
    cluster.stop("api-1")  # rasa-1's actions are served by api-1
    try:
        started = time.monotonic()
        status, texts = say(cluster, 0, on_one, WAGES)
        assert status == 200 and texts == [FAILURE_REPLY]
        setup.figures["action_endpoint_down"] = {"fallback_reply_s": round(time.monotonic() - started, 2)}
        status, texts = say(cluster, 0, on_zero, WAGES)
        assert status == 200 and answered(texts)
    finally:
        cluster.start("api-1")
        cluster.wait_until_ready(["api-1"])
    status, texts = say(cluster, 0, on_one, WAGES)
    assert status == 200 and answered(texts)


# --- PostgreSQL restarted ------------------------------------------------------------------------


def test_a_postgresql_restart_loses_no_committed_turn(setup: Setup) -> None:
    cluster = setup.cluster
    sessions = [session_on(cluster, i % 2, "pg") for i in range(6)]
    done: dict[str, list[tuple[str, int, list[str]]]] = {s: [] for s in sessions}
    stop = threading.Event()

    def converse(session: str, api: int) -> None:
        turn = 0
        while not stop.is_set() and turn < 40:
            text = f"{script(turn)}（第{turn}句）"
            status, texts = say(cluster, api, session, text, timeout_s=30)
            done[session].append((text, status, texts))
            turn += 1

    with ThreadPoolExecutor(max_workers=6) as pool:
        for i, session in enumerate(sessions):
            pool.submit(converse, session, i % 2)
        time.sleep(8)
        setup.postgres.stop(fast=True)
        time.sleep(3)
        setup.postgres.start()
        time.sleep(12)
        stop.set()

    assert eventually(lambda: all(cluster.ready(n) for n in cluster.names), 60)
    failed_during_restart = 0
    for i, session in enumerate(sessions):
        committed = [text for text, status, texts in done[session] if status == 200 and answered(texts)]
        failed_during_restart += sum(1 for _, status, texts in done[session] if not answered(texts))
        stored = history(cluster, i % 2, session)
        assert all(text in stored for text in committed), (session, committed, stored)
        in_rasa = tracker_texts(cluster, i % 2, session)
        assert all(text in in_rasa for text in committed)
        # Every failure was clear: the apology, or a 503 the widget shows as "try again".
        assert all(status in (200, 503) for _, status, _ in done[session])
    assert failed_during_restart > 0  # the outage really hit turns in flight
    setup.figures["postgresql_restarted"] = {
        "turns": sum(len(done[s]) for s in sessions),
        "committed": sum(1 for s in sessions for _, status, texts in done[s] if status == 200 and answered(texts)),
        "committed_lost": 0,  # asserted above, turn by turn, in the api's history and Rasa's tracker
        "failed_during_outage": failed_during_restart,
        "answered_503": sum(1 for s in sessions for _, status, _ in done[s] if status == 503),
    }
    for i, session in enumerate(sessions):
        status, texts = say(cluster, i % 2, session, WAGES)
        assert status == 200 and answered(texts)


# --- Redis down ---------------------------------------------------------------------------------


def test_with_redis_down_turns_fail_fast_with_a_fallback_and_recover_by_themselves(setup: Setup) -> None:
    cluster = setup.cluster
    session = session_on(cluster, 0, "redis")
    setup.redis.stop()
    slowest, apologies = 0.0, 0
    try:
        for api in (0, 1, 0):
            started = time.monotonic()
            status, texts = say(cluster, api, session, WAGES, timeout_s=30)
            assert status == 200 and texts  # an answer, or the apology: never an error or silence
            slowest = max(slowest, time.monotonic() - started)
            apologies += texts == [FAILURE_REPLY]
        assert slowest < 5  # well under the 10 s the api gives Rasa: nothing waits on a dead Redis
    finally:
        setup.redis.start()
    back = time.monotonic()
    assert eventually(lambda: answered(say(cluster, 1, session, WAGES)[1]), 30, every_s=1)
    setup.figures["redis_down"] = {
        "slowest_turn_while_down_s": round(slowest, 2),
        "apologies_while_down": apologies,
        "answering_again_after_restart_s": round(time.monotonic() - back, 1),
    }


# --- WeChat retries while a process dies or restarts -------------------------------------------------


def wechat_post(cluster: Cluster, api: int, plain: str, timeout_s: float = 10) -> httpx.Response | None:
    body, query = sealed(plain)
    try:
        return httpx.post(
            f"{cluster.api_url(api)}/wechat",
            params=query,
            content=body,
            headers={"content-type": "text/xml"},
            timeout=timeout_s,
        )
    except httpx.HTTPError:
        return None


def replies_seen(responses: list[httpx.Response | None], wechat: WeChatApiStandIn, before: int) -> list[str]:
    passive = [reply_text(r) for r in responses if r is not None and r.status_code == 200]
    return [text for text in passive if text != "success"] + wechat.texts()[before:]


@pytest.mark.parametrize("how", ["crash", "restart"])
def test_wechat_retries_while_a_process_goes_down_get_exactly_one_reply(setup: Setup, how: str) -> None:
    cluster, wechat = setup.cluster, setup.wechat
    plain = text_xml(GREETING, msg_id=str(uuid.uuid4().int % 10**18))
    urls = [cluster.rasa_url(i) for i in range(cluster.rasa_replicas)]
    rasa = cluster.processes[f"rasa-{urls.index(replica_for(f'wechat:{OPENID}', urls))}"]
    before = len(wechat.texts())
    responses: list[httpx.Response | None] = []
    os.killpg(rasa.pid, signal.SIGSTOP)  # hold the turn in Rasa, so api-0 goes down mid-answer
    try:
        first = threading.Thread(target=lambda: responses.append(wechat_post(cluster, 0, plain)))
        first.start()
        time.sleep(1.0)  # api-0 has claimed the message and waits for Rasa
        if how == "crash":
            cluster.kill("api-0")
        else:
            threading.Thread(target=cluster.stop, args=("api-0",)).start()  # SIGTERM: a graceful restart
        time.sleep(0.5)
    finally:
        os.killpg(rasa.pid, signal.SIGCONT)
    first.join(15)
    for _ in range(3):  # WeChat's retries, 5 s apart, land on the other process
        time.sleep(5)
        responses.append(wechat_post(cluster, 1, plain))
    time.sleep(1)
    try:
        seen = replies_seen(responses, wechat, before)
        setup.figures[f"wechat_retries_{how}"] = {"deliveries": len(responses), "replies": len(seen)}
        assert len(seen) == 1, (responses, wechat.texts()[before:])
    finally:
        cluster.start("api-0")
        cluster.wait_until_ready(["api-0"])


# --- publishing while replicas restart --------------------------------------------------------------


def create_admin(cluster: Cluster, name: str) -> str:
    password = f"harbour-Pw-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "API_DATABASE_URL": cluster.postgres.url(cluster.postgres.api_db)}
    done = subprocess.run(
        [sys.executable, "-m", "api.staff", "create-admin", name, "--password-stdin"],
        input=password + "\n",
        text=True,
        capture_output=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return password


def test_a_publish_while_replicas_restart_reaches_every_replica(setup: Setup) -> None:
    cluster = setup.cluster
    password = create_admin(cluster, "office-admin")
    marker = f"（第{int(time.time())}号通知：先拨打12333。）"
    cluster.stop("api-1")
    cluster.kill("rasa-1")
    try:
        with httpx.Client(base_url=cluster.api_url(0), timeout=60) as office:
            assert office.post("/api/auth/login", json={"username": "office-admin", "password": password}).is_success
            entry = office.get(f"/api/admin/entries/{ANSWER_KEY}").json()
            content = dict(entry["published"]["content"])
            content["answer"] = content["answer"].rstrip() + marker
            base = entry["latest_version"]
            saved = office.put(
                f"/api/admin/entries/{ANSWER_KEY}/draft", json={"content": content, "base_version": base}
            )
            assert saved.is_success, saved.text
            report = office.post("/api/admin/publish", json={"versions": {ANSWER_KEY: base + 1}}).json()
            assert report["swapped"]
            published = time.monotonic()
    finally:
        cluster.start("api-1")
        cluster.start("rasa-1")
        cluster.wait_until_ready(["api-1", "rasa-1"])
    hashes = {httpx.get(f"{cluster.api_url(i)}/readyz").json()["knowledge"] for i in range(cluster.api_replicas)}
    assert len(hashes) == 1
    for api in range(cluster.api_replicas):
        for replica in range(cluster.rasa_replicas):
            status, texts = say(cluster, api, session_on(cluster, replica, "published"), WAGES)
            assert status == 200 and marker in "\n".join(texts), (api, replica, texts)
    setup.figures["publish_during_restart"] = {
        "paths_serving_new_version": cluster.api_replicas * cluster.rasa_replicas,
        "of_paths": cluster.api_replicas * cluster.rasa_replicas,
        "restart_to_all_serving_s": round(time.monotonic() - published, 1),
    }


# --- retention reaches Rasa's PostgreSQL tracker store ------------------------------------------------


def test_the_retention_purge_empties_rasa_trackers_in_postgresql(setup: Setup) -> None:
    cluster = setup.cluster
    session = session_on(cluster, 1, "retention")
    assert say(cluster, 1, session, WAGES)[0] == 200
    assert tracker_texts(cluster, 1, session) == [WAGES]
    purge = TrackerRetention(cluster.postgres.url(cluster.postgres.tracker_db))
    try:
        assert purge.purge_before(0, now=time.time() + 1) > 0
    finally:
        purge.close()
    assert tracker_texts(cluster, 1, session) == []
    with psycopg.connect(cluster.postgres.admin_conninfo().replace("dbname=postgres", "dbname=gongyou_rasa")) as db:
        left = db.execute("SELECT count(*) FROM events WHERE sender_id = %s", (f"web:{session}",)).fetchone()
    assert left == (0,)
    status, texts = say(cluster, 1, session, WAGES)  # Rasa goes on with a fresh conversation
    assert status == 200 and answered(texts)


# --- canary: seeded personal data appears nowhere it must not --------------------------------------


def test_canary_seeded_numbers_appear_nowhere(setup: Setup, tmp_path: Path) -> None:
    """Fake ID, phone and card numbers go in through every channel and the wage form; then every
    place data lands is searched: process logs, Rasa's tracker store, the api's tables (audit,
    analytics, cases, conversations), Redis, a backup and a full database dump."""
    cluster = setup.cluster
    rng = random.Random()
    phone_web, phone_wechat = f"139{rng.randint(10**7, 10**8 - 1)}", f"137{rng.randint(10**7, 10**8 - 1)}"
    born = f"19{rng.randint(60, 99)}0{rng.randint(1, 9)}1{rng.randint(0, 9)}"
    id_web = make_id(region=f"1401{rng.randint(10, 99)}", birth=born, seq=str(rng.randint(100, 999)))
    card = make_card("621700" + "".join(str(rng.randint(0, 9)) for _ in range(12)))
    canaries = [phone_web, phone_wechat, id_web, card]

    web = session_on(cluster, 0, "canary")
    assert say(cluster, 0, web, f"我身份证{id_web}，工资卡{card}，老板欠薪")[0] == 200
    httpx.post(
        f"{cluster.api_url(0)}/api/web/messages",
        json={"session_id": web, "payload": "/start_wage_intake", "title": "登记欠薪"},
        timeout=60,
    ).raise_for_status()
    for answer in ["工地", "恒泰小区三期工地", "太原市小店区", "去年3月到12月", "两万五", "12个人", "有合同"]:
        assert say(cluster, 1, web, answer)[0] == 200
    summary = say(cluster, 0, web, f"我电话{phone_web}")[1]
    assert f"{phone_web[:3]}****{phone_web[-4:]}" in "\n".join(summary)
    confirmed = httpx.post(
        f"{cluster.api_url(1)}/api/web/messages",
        json={"session_id": web, "payload": "/affirm", "title": "确认"},
        timeout=60,
    ).json()
    assert "GY-" in "\n".join(r["text"] for r in confirmed["replies"])
    wechat = wechat_post(cluster, 1, text_xml(f"我手机{phone_wechat}，身份证{id_web}，工地不给钱"), timeout_s=30)
    assert wechat is not None and wechat.status_code == 200

    password = create_admin(cluster, "canary-admin")
    with httpx.Client(base_url=cluster.api_url(0), timeout=60) as office:
        office.post("/api/auth/login", json={"username": "canary-admin", "password": password}).raise_for_status()
        analytics = office.get("/api/console/quality/gaps").text + office.get("/api/console/quality/figures").text
        cases = office.get("/api/console/cases").text
        transcript = office.get(f"/api/console/conversations/web:{web}").text
    metrics = "".join(httpx.get(f"{cluster.api_url(i)}/metrics").text for i in range(cluster.api_replicas))

    backup = tmp_path / "backup.jsonl.gz"
    env = {**os.environ, "API_DATABASE_URL": cluster.postgres.url(cluster.postgres.api_db)}
    subprocess.run([sys.executable, "-m", "api.ops.backup", "dump", str(backup)], env=env, check=True, timeout=120)
    dumps = ""
    for database in (cluster.postgres.api_db, cluster.postgres.tracker_db):
        dumped = subprocess.run(
            [str(PG_BIN / "pg_dump"), "-h", "127.0.0.1", "-p", str(cluster.postgres.port), "-U", "postgres", database],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        dumps += dumped.stdout
    assert "wage_cases" in dumps and "knowledge_audit" in dumps and "events" in dumps
    store = redis.Redis(port=cluster.redis.port, db=cluster.redis.db)
    in_redis = " ".join(f"{key!r}={store.get(key)!r}" for key in store.scan_iter() if store.type(key) == b"string")
    store.close()
    logs = "".join(p.read_text(errors="replace") for p in cluster.scratch.glob("*.log"))
    logs += (setup.postgres.folder / "server.log").read_text(errors="replace")

    places = {
        "process logs": logs,
        "database dumps (Rasa's trackers, the api's tables, the audit)": dumps,
        "backup": gzip.decompress(backup.read_bytes()).decode("utf-8", errors="replace"),
        "analytics": analytics,
        "console cases and transcript": cases + transcript,
        "metrics": metrics,
        "Redis": in_redis,
    }
    assert len(logs) > 1000 and transcript  # the places searched really hold this traffic
    for where, content in places.items():
        for canary in canaries:
            assert canary not in content, f"{canary[:3]}… found in {where}"
    setup.figures["canary"] = {
        "numbers_seeded": len(canaries),
        "places_searched": len(places),
        "bytes_searched": sum(len(c) for c in places.values()),
        "found": 0,
    }
