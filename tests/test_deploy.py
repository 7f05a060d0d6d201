"""The deployment files (deploy/): valid to their schemas, and consistent with each other and the code.

Fast: parses files and runs two validators from the environment's bin directory
(check-jsonschema for the Compose specification, kubernetes-validate for the manifests).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from api.settings import ApiSettings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
NGINX_CONF = DEPLOY / "nginx.conf"
K8S = DEPLOY / "k8s"
MANIFESTS = sorted(K8S.glob("*.yaml"))
README = DEPLOY / "README.md"
API_DOCKERFILE = DEPLOY / "api.Dockerfile"
RASA_DOCKERFILE = DEPLOY / "rasa.Dockerfile"
SCALED_ENDPOINTS = "bot/endpoints.scaled.yml"
BIN = Path(sys.executable).parent
SECRET_NAME = "gongyou-secrets"
RASA_PORT = 5005
API_PORT = 8000

API_SECRETS = frozenset(
    {
        "API_RASA_JWT_SECRET",
        "API_ACTIONS_TOKEN",
        "API_PII_KEY",
        "API_WECHAT_TOKEN",
        "API_WECHAT_AES_KEY",
        "API_WECHAT_APP_SECRET",
    }
)
RASA_SECRETS = frozenset({"RASA_JWT_SECRET", "API_ACTIONS_TOKEN", "RASA_TRACKER_PG_PASSWORD"})
# Database URLs hold a password: a Secret in Kubernetes, a required variable inside the URL in compose.
API_CREDENTIAL_URLS = frozenset({"API_DATABASE_URL", "API_TRACKER_DATABASE_URL"})
API_PLAIN = frozenset(
    {
        "API_ENV",
        "API_REDIS_URL",
        "API_RASA_URLS",
        "API_WECHAT_APP_ID",
        "API_CORS_ORIGINS",
        "API_COOKIE_SECURE",
        "API_LOG_FORMAT",
    }
)
RASA_PLAIN = frozenset(
    {
        "RASA_ACTION_ENDPOINT",
        "KNOWLEDGE_TOPIC_URL",
        "RASA_TRACKER_PG_HOST",
        "RASA_TRACKER_PG_PORT",
        "RASA_TRACKER_PG_DB",
        "RASA_TRACKER_PG_USER",
        "RASA_TRACKER_PG_LOGIN_DB",
        "RASA_LOCK_REDIS_HOST",
        "RASA_LOCK_REDIS_PORT",
        "RASA_LOCK_REDIS_DB",
        "RASA_TELEMETRY_ENABLED",
    }
)
API_FIXED = {"API_ENV": "production", "API_COOKIE_SECURE": "true", "API_LOG_FORMAT": "json"}
RASA_FIXED = {"RASA_TELEMETRY_ENABLED": "false"}
# The api's and Rasa's copy of each must be one value.
SHARED_SECRETS = (("API_RASA_JWT_SECRET", "RASA_JWT_SECRET"), ("API_ACTIONS_TOKEN", "API_ACTIONS_TOKEN"))
# Being added to ApiSettings by a change in flight when these tests were written.
PENDING_SETTINGS = frozenset({"API_RASA_JWT_SECRET", "API_ENV", "API_LOG_FORMAT"})

REQUIRED_VARIABLE = re.compile(r"^\$\{([A-Z][A-Z0-9_]*):\?[^}]+\}$")
URL_PASSWORD = re.compile(r"://[^:/@\s]+:(\$\{[^}]*\}|[^@\s]+)@")
SECRET_NAME_PATTERN = re.compile(r"SECRET|TOKEN|PASSWORD|_KEY$|AES")
# `password: hunter2hunter2`, `API_PII_KEY=abc…`: a secret-looking name given a literal value
# of 8+ characters on the same line (a reference starts with $ and is fine).
LITERAL_SECRET = re.compile(
    r"(?i)\b[\w-]*(?:password|passwd|secret|token|pii[_-]?key|aes[_-]?key)[\w-]*[ \t]*[:=][ \t]*"
    r"['\"]?(?![$'\"?\s])[^\s'\"]{8,}"
)


# ---- loading -----------------------------------------------------------------------------
def deployment_files() -> list[Path]:
    """The configuration under deploy/: not Python code (it reads secrets from the environment),
    not dotfiles (an operator's deploy/.env holds the real secrets and stays out of git)."""
    return sorted(
        p for p in DEPLOY.rglob("*") if p.is_file() and p.suffix not in {".py", ".pyc"} and not p.name.startswith(".")
    )


def load_compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def compose_services(kind: str | None = None) -> dict[str, dict[str, Any]]:
    """Services by name; `kind` "api" or "rasa" keeps those built from deploy/<kind>.Dockerfile."""
    services: dict[str, dict[str, Any]] = load_compose()["services"]
    if kind is None:
        return services
    return {
        name: service
        for name, service in services.items()
        if str((service.get("build") or {}).get("dockerfile", "")).endswith(f"{kind}.Dockerfile")
    }


def compose_env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def k8s_documents() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path in MANIFESTS:
        docs += [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]
    return docs


def k8s_find(kind: str, name: str | None = None) -> list[dict[str, Any]]:
    return [d for d in k8s_documents() if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]


def k8s_one(kind: str, name: str) -> dict[str, Any]:
    found = k8s_find(kind, name)
    assert len(found) == 1, f"expected exactly one {kind} {name!r} in deploy/k8s, found {len(found)}"
    return found[0]


def workloads() -> list[dict[str, Any]]:
    return [d for d in k8s_documents() if d["kind"] in {"Deployment", "StatefulSet", "DaemonSet", "Job"}]


def main_container(workload: dict[str, Any]) -> dict[str, Any]:
    containers: list[dict[str, Any]] = workload["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, f"{workload['metadata']['name']}: one container expected"
    return containers[0]


def k8s_plain_env(container: dict[str, Any]) -> dict[str, str]:
    """Literal values: the container's ConfigMaps (envFrom), then its own `value`s."""
    configmaps = {d["metadata"]["name"]: d.get("data") or {} for d in k8s_find("ConfigMap")}
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(configmaps[source["configMapRef"]["name"]])
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = str(item["value"])
    return env


def k8s_secret_refs(container: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Variable → (Secret name, key) for each env entry taken from a Secret."""
    refs: dict[str, tuple[str, str]] = {}
    for item in container.get("env", []):
        ref = (item.get("valueFrom") or {}).get("secretKeyRef")
        if ref:
            refs[item["name"]] = (ref["name"], ref["key"])
    return refs


def rasa_workload() -> dict[str, Any]:
    return k8s_one("StatefulSet", "rasa")


def api_workload() -> dict[str, Any]:
    return k8s_one("Deployment", "api")


def dockerfile_final_stage(path: Path) -> str:
    text = path.read_text(encoding="utf-8").replace("\\\n", " ")
    return re.split(r"(?im)^FROM\s", text)[-1]


def image_command(path: Path) -> list[str]:
    """The final stage's CMD as argv; a `sh -c` string is split the way the shell would."""
    lines = [line for line in dockerfile_final_stage(path).splitlines() if line.startswith("CMD ")]
    assert lines, f"{path.name}: no CMD in the final stage"
    argv: list[str] = json.loads(lines[-1][len("CMD ") :])
    if argv[:2] == ["sh", "-c"]:
        argv = shlex.split(argv[2])
        return argv[1:] if argv[:1] == ["exec"] else argv
    return argv


def flag_value(argv: list[str], flag: str) -> str:
    assert flag in argv, f"{flag} missing from {shlex.join(argv)}"
    return argv[argv.index(flag) + 1]


def matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


# ---- schema validation by the tools ------------------------------------------------------
def run_tool(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


def test_compose_file_matches_the_compose_specification() -> None:
    tool = BIN / "check-jsonschema"
    result = run_tool(str(tool), "--builtin-schema", "vendor.compose-spec", str(COMPOSE))
    assert result.returncode == 0, f"{tool.name} failed:\n{result.stdout}\n{result.stderr}"


def test_there_are_manifests_for_every_part() -> None:
    kinds = {(d["kind"], d["metadata"]["name"]) for d in k8s_documents()}
    for needed in [
        ("Namespace", "gongyou"),
        ("StatefulSet", "rasa"),
        ("Service", "rasa"),
        ("Deployment", "api"),
        ("Service", "api"),
        ("PodDisruptionBudget", "api"),
        ("HorizontalPodAutoscaler", "api"),
    ]:
        assert needed in kinds
    assert k8s_find("ConfigMap") and k8s_find("NetworkPolicy")
    namespaced = [d for d in k8s_documents() if d["kind"] != "Namespace"]
    assert {d["metadata"].get("namespace") for d in namespaced} == {"gongyou"}


@pytest.mark.parametrize("manifest", MANIFESTS, ids=[p.name for p in MANIFESTS])
def test_manifest_is_valid_kubernetes(manifest: Path) -> None:
    tool = BIN / "kubernetes-validate"
    result = run_tool(str(tool), "--strict", str(manifest))
    assert result.returncode == 0, f"{tool.name} --strict failed:\n{result.stdout}\n{result.stderr}"


# ---- secrets -----------------------------------------------------------------------------
def test_compose_takes_every_secret_from_a_required_variable() -> None:
    sources: dict[str, set[str]] = {}
    for kind, secrets in (("api", API_SECRETS), ("rasa", RASA_SECRETS)):
        services = compose_services(kind)
        assert services, f"no compose service is built from deploy/{kind}.Dockerfile"
        for name, service in services.items():
            env = compose_env(service)
            for secret in secrets:
                match = REQUIRED_VARIABLE.match(env.get(secret, ""))
                assert match, f"{name}: {secret} must be ${{VAR:?message}}, is {env.get(secret)!r}"
                sources.setdefault(f"{kind}:{secret}", set()).add(match.group(1))
    for name, service in compose_services("api").items():
        for url_name in API_CREDENTIAL_URLS:
            password = URL_PASSWORD.search(compose_env(service).get(url_name, ""))
            assert password and REQUIRED_VARIABLE.match(password.group(1)), f"{name}: {url_name}'s password"
    for api_name, rasa_name in SHARED_SECRETS:
        api_source, rasa_source = sources[f"api:{api_name}"], sources[f"rasa:{rasa_name}"]
        assert len(api_source | rasa_source) == 1, f"{api_name} and {rasa_name} must be one variable"


def test_compose_gives_no_secret_a_literal_value() -> None:
    for name, service in compose_services().items():
        for key, value in compose_env(service).items():
            if SECRET_NAME_PATTERN.search(key):
                assert REQUIRED_VARIABLE.match(value), f"{name}: {key} has a literal value"
            for password in URL_PASSWORD.findall(value):
                assert REQUIRED_VARIABLE.match(password), f"{name}: {key} has a literal password"


def test_no_literal_secret_anywhere_under_deploy() -> None:
    for path in deployment_files():
        text = path.read_text(encoding="utf-8")
        found = [m.group(0) for m in LITERAL_SECRET.finditer(text)]
        found += [m.group(0) for m in URL_PASSWORD.finditer(text) if not m.group(1).startswith("$")]
        assert not found, f"{path.relative_to(ROOT)}: literal secret values {found}"


def test_kubernetes_takes_every_secret_from_the_secret() -> None:
    assert not k8s_find("Secret"), "the Secret is made by hand (deploy/README.md), never committed"
    keys: dict[str, str] = {}
    for workload, secrets in ((api_workload(), API_SECRETS | API_CREDENTIAL_URLS), (rasa_workload(), RASA_SECRETS)):
        container = main_container(workload)
        refs = k8s_secret_refs(container)
        plain = k8s_plain_env(container)
        for secret in secrets:
            assert secret in refs, f"{workload['metadata']['name']}: {secret} must come from secretKeyRef"
            assert refs[secret][0] == SECRET_NAME
            assert secret not in plain, f"{secret} is also given a literal value (ConfigMap or value)"
        for name in plain:
            assert not SECRET_NAME_PATTERN.search(name), f"{name} looks secret but has a literal value"
        keys.update({f"{workload['metadata']['name']}:{k}": v[1] for k, v in refs.items()})
    for api_name, rasa_name in SHARED_SECRETS:
        assert keys[f"api:{api_name}"] == keys[f"rasa:{rasa_name}"], f"{api_name} and {rasa_name}: one key"


def test_readme_creates_exactly_the_secret_keys_the_manifests_use() -> None:
    text = README.read_text(encoding="utf-8")
    assert f"create secret generic {SECRET_NAME}" in text
    literals = dict(re.findall(r"--from-literal=([\w.-]+)=(\S+)", text))
    used = {
        key
        for workload in workloads()
        for container in workload["spec"]["template"]["spec"]["containers"]
        for name, key in k8s_secret_refs(container).values()
        if name == SECRET_NAME
    }
    assert set(literals) == used
    for key, value in literals.items():
        assert value.lstrip("\"'").startswith("$") or "${" in value, f"{key}: literal value in README"


# ---- Rasa: command, replicas, ports ------------------------------------------------------
def assert_rasa_argv(argv: list[str]) -> None:
    # bot/serve.py adds the secret from RASA_JWT_SECRET: on a command line, ps would show it.
    assert argv[:4] == ["python", "-m", "bot.serve", "run"]
    assert not any("jwt" in arg.lower() for arg in argv)
    assert flag_value(argv, "--endpoints") == SCALED_ENDPOINTS
    assert flag_value(argv, "--credentials") == "bot/credentials.yml"
    assert flag_value(argv, "--port") == str(RASA_PORT)
    assert flag_value(argv, "--interface") == "0.0.0.0"
    assert "--enable-api" in argv


def test_rasa_runs_the_scaled_endpoints_with_a_jwt_secret() -> None:
    assert_rasa_argv(image_command(RASA_DOCKERFILE))
    # Neither deployment replaces the image's command (or it would have to pass the same checks).
    for name, service in compose_services("rasa").items():
        assert "command" not in service and "entrypoint" not in service, f"{name} overrides the command"
    container = main_container(rasa_workload())
    assert "command" not in container and "args" not in container


def test_rasa_gets_every_variable_its_endpoints_and_component_read() -> None:
    endpoints = yaml.safe_load((ROOT / SCALED_ENDPOINTS).read_text(encoding="utf-8"))
    needed = set(re.findall(r"\$\{(\w+)\}", json.dumps(endpoints))) | RASA_PLAIN | RASA_SECRETS
    container = main_container(rasa_workload())
    k8s_env = set(k8s_plain_env(container)) | set(k8s_secret_refs(container))
    assert needed - k8s_env == set(), "missing in the StatefulSet"
    for name, service in compose_services("rasa").items():
        env = compose_env(service)
        assert needed - set(env) == set(), f"missing in {name}"
        assert {k: env[k] for k in RASA_FIXED} == RASA_FIXED
    assert {k: k8s_plain_env(container)[k] for k in RASA_FIXED} == RASA_FIXED


def test_compose_api_rasa_urls_list_exactly_the_rasa_services() -> None:
    rasa = compose_services("rasa")
    apis = compose_services("api")
    assert len(rasa) >= 2 and len(apis) >= 2
    expected = sorted(f"http://{name}:{RASA_PORT}" for name in rasa)
    values = {compose_env(service)["API_RASA_URLS"] for service in apis.values()}
    # The same list in the same order everywhere, or two apis would hash a sender differently.
    assert len(values) == 1, f"the api services disagree on API_RASA_URLS: {values}"
    urls = values.pop().split(",")
    assert sorted(urls) == expected and len(set(urls)) == len(urls)


def test_kubernetes_api_rasa_urls_list_exactly_the_statefulset_pods() -> None:
    sts = rasa_workload()
    service = k8s_one("Service", sts["spec"]["serviceName"])
    assert service["spec"].get("clusterIP") == "None", "the StatefulSet's Service must be headless"
    assert matches(service["spec"]["selector"], sts["spec"]["template"]["metadata"]["labels"])
    assert RASA_PORT in [p["port"] for p in service["spec"]["ports"]]
    assert [p["containerPort"] for p in main_container(sts)["ports"]] == [RASA_PORT]
    replicas = sts["spec"]["replicas"]
    assert replicas >= 2
    expected = [
        f"http://{sts['metadata']['name']}-{i}.{service['metadata']['name']}:{RASA_PORT}" for i in range(replicas)
    ]
    assert k8s_plain_env(main_container(api_workload()))["API_RASA_URLS"].split(",") == expected


def test_only_the_load_balancer_publishes_a_port() -> None:
    services = compose_services()
    for name in compose_services("rasa"):
        assert "ports" not in services[name], f"{name} publishes Rasa's port"
        assert services[name].get("network_mode") != "host"
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"lb"}
    assert str(services["lb"]["image"]).startswith("nginx")


# ---- the api: probes, settings, endpoint -------------------------------------------------
def probe_path(container: dict[str, Any], probe: str) -> str:
    spec = container[probe]["httpGet"]
    ports = {p.get("name"): p["containerPort"] for p in container["ports"]}
    port = ports.get(spec["port"], spec["port"])
    return f"{port}{spec['path']}"


def test_kubernetes_probes_use_healthz_and_readyz() -> None:
    api = main_container(api_workload())
    assert probe_path(api, "readinessProbe") == f"{API_PORT}/readyz"
    assert probe_path(api, "livenessProbe") == f"{API_PORT}/healthz"
    assert probe_path(api, "startupProbe") == f"{API_PORT}/healthz"
    rasa = main_container(rasa_workload())
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert probe_path(rasa, probe) == f"{RASA_PORT}/"


def test_compose_health_checks_use_readyz_and_rasas_root() -> None:
    for name, service in compose_services("api").items():
        assert f"127.0.0.1:{API_PORT}/readyz" in " ".join(service["healthcheck"]["test"]), name
    for name, service in compose_services("rasa").items():
        assert f"127.0.0.1:{RASA_PORT}/'" in " ".join(service["healthcheck"]["test"]), name
    services = compose_services()
    for name, service in services.items():
        assert "healthcheck" in service, f"{name} has no health check"
        for dependency, condition in (service.get("depends_on") or {}).items():
            assert dependency in services
            assert condition["condition"] == "service_healthy", f"{name} → {dependency}"


def test_every_api_name_in_deploy_is_a_real_setting() -> None:
    assert ApiSettings.model_config.get("env_prefix") == "API_"
    fields = {f"API_{name.upper()}" for name in ApiSettings.model_fields}
    used: set[str] = set()
    for path in deployment_files():
        used |= set(re.findall(r"\bAPI_[A-Z0-9_]*[A-Z0-9]\b", path.read_text(encoding="utf-8")))
    assert used, "no API_ settings found under deploy/"
    assert used - fields - PENDING_SETTINGS == set()


def test_the_api_gets_its_production_settings() -> None:
    needed = API_PLAIN | API_SECRETS | API_CREDENTIAL_URLS
    for name, service in compose_services("api").items():
        env = compose_env(service)
        assert needed - set(env) == set(), f"missing in {name}"
        assert {k: env[k] for k in API_FIXED} == API_FIXED
    container = main_container(api_workload())
    plain = k8s_plain_env(container)
    assert needed - set(plain) - set(k8s_secret_refs(container)) == set()
    assert {k: plain[k] for k in API_FIXED} == API_FIXED


def test_kubernetes_pods_get_no_service_link_variables() -> None:
    # The Service `api` would add API_PORT=tcp://…:8000, which ApiSettings reads as its port.
    for workload in workloads():
        assert workload["spec"]["template"]["spec"].get("enableServiceLinks") is False, workload["metadata"]["name"]


def test_rasa_reaches_the_api_for_actions_and_topics() -> None:
    service = k8s_one("Service", "api")
    api = api_workload()
    assert matches(service["spec"]["selector"], api["spec"]["template"]["metadata"]["labels"])
    rasa_env = k8s_plain_env(main_container(rasa_workload()))
    for variable, path in (("RASA_ACTION_ENDPOINT", "/webhook"), ("KNOWLEDGE_TOPIC_URL", "/api/knowledge/topic")):
        url = urlsplit(rasa_env[variable])
        assert (url.hostname, url.path) == ("api", path)
        assert url.port in [p["port"] for p in service["spec"]["ports"]]

    # Compose: through the load balancer's internal listener (or straight to an api service).
    listens = {int(p) for p in re.findall(r"^\s*listen\s+(\d+)\s*;", NGINX_CONF.read_text(encoding="utf-8"), re.M)}
    for name, rasa in compose_services("rasa").items():
        env = compose_env(rasa)
        for variable, path in (("RASA_ACTION_ENDPOINT", "/webhook"), ("KNOWLEDGE_TOPIC_URL", "/api/knowledge/topic")):
            url = urlsplit(env[variable])
            assert url.path == path, name
            if url.hostname == "lb":
                assert url.port in listens, f"{name}: nginx does not listen on {url.port}"
            else:
                assert url.hostname in compose_services("api") and url.port == API_PORT


def nginx_servers(conf: str) -> dict[int, str]:
    """Each `server { … }` block of nginx.conf by the port it listens on."""
    blocks: dict[int, str] = {}
    for start in (m.end() for m in re.finditer(r"(?m)^\s*server\s*\{", conf)):
        depth, end = 1, start
        while depth:
            depth += {"{": 1, "}": -1}.get(conf[end], 0)
            end += 1
        block = conf[start:end]
        for port in re.findall(r"(?m)^\s*listen\s+(\d+)\s*;", block):
            blocks[int(port)] = block
    return blocks


def test_nginx_balances_over_the_apis_and_keeps_the_actions_inside() -> None:
    conf = NGINX_CONF.read_text(encoding="utf-8")
    upstream = re.findall(r"(?m)^\s*server\s+([\w.-]+:\d+)", conf)
    assert sorted(upstream) == sorted(f"{name}:{API_PORT}" for name in compose_services("api"))
    servers = nginx_servers(conf)
    published = {int(str(p).rsplit(":", 1)[-1]) for p in compose_services()["lb"]["ports"]}
    assert published and published <= set(servers)
    for port in published:
        # The public listener refuses Rasa's action endpoint and the metrics.
        assert re.search(r"location ~ \^/\(webhook\|metrics\)\(/\|\$\) \{\s*return 404;", servers[port]), port
    for name, rasa in compose_services("rasa").items():
        url = urlsplit(compose_env(rasa)["RASA_ACTION_ENDPOINT"])
        if url.hostname == "lb":
            assert url.port not in published, f"{name} calls the actions through a published port"


def nginx_locations(server: str) -> dict[str, str]:
    """Each `location … { … }` of a server block by its match (e.g. "/api/web/", "= /wechat")."""
    return {m[0].strip(): m[1] for m in re.findall(r"(?m)^\s*location\s+([^{]+)\{([^}]*)\}", server)}


def test_nginx_logs_paths_without_queries() -> None:
    conf = NGINX_CONF.read_text(encoding="utf-8")
    formats = {name: "".join(parts) for name, parts in re.findall(r"log_format\s+(\w+)\s+((?:'[^']*'\s*)+);", conf)}
    used = re.findall(r"(?m)^\s*access_log\s+(\S+)(?:\s+(\w+))?\s*;", conf)
    # nginx's default format ("combined") logs $request: the whole request line, query and all.
    assert used and all(name in formats for _, name in used), used
    for _, name in used:
        assert "$uri" in formats[name], name
        assert not re.search(r"\$(request\b|request_uri|args|query_string|arg_)", formats[name]), name


def test_nginx_limits_each_address_and_hides_the_topic_lookup() -> None:
    conf = NGINX_CONF.read_text(encoding="utf-8")
    zones = dict(re.findall(r"limit_req_zone\s+\$binary_remote_addr\s+zone=(\w+):\w+\s+rate=(\d+r/[sm]);", conf))
    assert re.search(r"(?m)^\s*limit_req_status 429;", conf)
    published = {int(str(p).rsplit(":", 1)[-1]) for p in compose_services()["lb"]["ports"]}
    for port in published:
        locations = nginx_locations(nginx_servers(conf)[port])
        for match, zone in (
            ("/api/web/", "web"),
            ("/api/knowledge/", "knowledge"),
            ("= /api/auth/login", "login"),
            ("= /wechat", "wechat"),
        ):
            assert zone in zones, zone
            assert re.search(rf"limit_req zone={zone} burst=\d+ nodelay;", locations[match]), match
            assert "proxy_pass http://api;" in locations[match], match
        assert "return 404;" in locations["= /api/knowledge/topic"]


def nginx_rejects(conf: str, nginx: str, tmp_path: Path) -> str:
    """nginx -t on a config: its complaint, or "" when it accepts it."""
    # Older nginx lacks `resolve` on upstream servers, and compose's names do not resolve here.
    conf = re.sub(r"(?m)^(\s*server\s+)api-\d+:\d+ resolve", r"\g<1>127.0.0.1:8000", conf)
    # A distribution's nginx keeps its temporary files under /var/lib/nginx, which may not exist.
    temp = " ".join(
        f"{kind}_temp_path {tmp_path}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = conf.replace("http {", "http {\n    " + temp, 1)
    (tmp_path / "nginx.conf").write_text(conf, encoding="utf-8")
    checked = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g", f"pid {tmp_path}/nginx.pid;"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    return "" if checked.returncode == 0 else checked.stderr


def test_nginx_accepts_its_config(tmp_path: Path) -> None:
    """nginx -t where an nginx is installed (NGINX_BIN names one); the content is checked above in any case."""
    conf = NGINX_CONF.read_text(encoding="utf-8")
    assert conf.count("{") == conf.count("}") and re.search(r"(?m)^http \{", conf)
    nginx = os.environ.get("NGINX_BIN") or shutil.which("nginx")
    if nginx:
        assert nginx_rejects(conf, nginx, tmp_path) == ""
        broken = conf.replace("zone=web burst", "zone=nowhere burst", 1)  # the check can fail
        (tmp_path / "broken").mkdir()
        assert "nowhere" in nginx_rejects(broken, nginx, tmp_path / "broken")


# ---- hardening ---------------------------------------------------------------------------
def test_images_run_as_a_non_root_user() -> None:
    for path in (API_DOCKERFILE, RASA_DOCKERFILE):
        users = re.findall(r"(?m)^USER\s+(\S+)", dockerfile_final_stage(path))
        assert users and users[-1] not in {"root", "0"}, f"{path.name} runs as root"


def test_kubernetes_pods_are_locked_down() -> None:
    for workload in workloads():
        name = workload["metadata"]["name"]
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        for container in pod["containers"] + pod.get("initContainers", []):
            where = f"{name}/{container['name']}"
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, where
            assert context["readOnlyRootFilesystem"] is True, where
            assert "ALL" in context["capabilities"]["drop"], where
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(container["resources"][bound]), f"{where}: {bound}"
        for container in pod["containers"]:
            mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
            assert "/tmp" in mounts and "emptyDir" in volumes[mounts["/tmp"]], f"{name}: /tmp must be an emptyDir"


def test_kubernetes_selectors_find_their_pods() -> None:
    labels = {(w["kind"], w["metadata"]["name"]): w["spec"]["template"]["metadata"]["labels"] for w in workloads()}
    for workload in workloads():
        assert matches(workload["spec"]["selector"]["matchLabels"], workload["spec"]["template"]["metadata"]["labels"])
    for pdb in k8s_find("PodDisruptionBudget"):
        assert any(matches(pdb["spec"]["selector"]["matchLabels"], pod) for pod in labels.values())
    for hpa in k8s_find("HorizontalPodAutoscaler"):
        target = hpa["spec"]["scaleTargetRef"]
        assert (target["kind"], target["name"]) in labels
        assert hpa["spec"]["minReplicas"] >= 2


def test_only_api_pods_may_reach_rasa() -> None:
    rasa_labels = rasa_workload()["spec"]["template"]["metadata"]["labels"]
    api_labels = api_workload()["spec"]["template"]["metadata"]["labels"]
    policies = [p for p in k8s_find("NetworkPolicy") if matches(p["spec"]["podSelector"]["matchLabels"], rasa_labels)]
    assert policies, "no NetworkPolicy selects the Rasa pods"
    for policy in policies:
        assert "Ingress" in policy["spec"]["policyTypes"]
        for rule in policy["spec"].get("ingress", []):
            assert [p["port"] for p in rule["ports"]] == [RASA_PORT]
            for peer in rule["from"]:
                assert set(peer) == {"podSelector"}, "only pods of this namespace, by label"
                assert matches(peer["podSelector"]["matchLabels"], api_labels)


def _first_party_imports(folders: tuple[str, ...]) -> set[Path]:
    """The project's own modules that the code in these folders imports, as files."""
    found: set[Path] = set()
    pattern = re.compile(r"^\s*(?:from|import)\s+((?:api|actions|knowledge|bot)(?:\.\w+)*)", re.MULTILINE)
    for folder in folders:
        for source in (ROOT / folder).rglob("*.py"):
            for module in pattern.findall(source.read_text(encoding="utf-8")):
                path = ROOT / module.replace(".", "/")
                found.add(path / "__init__.py" if path.is_dir() else path.with_suffix(".py"))
    return found


def test_the_api_image_holds_every_module_the_api_and_actions_import() -> None:
    """actions/ reads the short-reply lexicon from bot/components: the image must carry it."""
    copied: list[str] = []
    for line in API_DOCKERFILE.read_text(encoding="utf-8").splitlines():
        words = shlex.split(line) if line.startswith("COPY ") else []
        if words and not any(w.startswith("--from") for w in words):
            copied += [w.rstrip("/") for w in words[1:-1]]
    missing = [
        str(path.relative_to(ROOT))
        for path in _first_party_imports(("api", "actions", "knowledge"))
        if not any(str(path.relative_to(ROOT)) == c or str(path.relative_to(ROOT)).startswith(c + "/") for c in copied)
    ]
    assert missing == []
    lexicon = "bot/components/short_replies.yml"
    assert lexicon in copied, "the lexicon the module reads"


# ---- requirements and locks --------------------------------------------------------------
# requirements.txt is what production imports, requirements-dev.txt adds the tools; each
# .txt has a lock made by `make lock` that pins every package with its hashes.
LOCKS = {
    "requirements.txt": "requirements.lock",
    "requirements-dev.txt": "requirements-dev.lock",
    "requirements-rasa.txt": "requirements-rasa.lock",
}
DEV_TOOLS = frozenset(
    {
        "pytest",
        "pytest-timeout",
        "hypothesis",
        "schemathesis",
        "atheris",
        "check-jsonschema",
        "kubernetes-validate",
        "playwright",
        "ruff",
        "mypy",
        "types-pyyaml",
        "import-linter",
    }
)
SHA256 = re.compile(r"^[0-9a-f]{64}$")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_entries(path: Path) -> dict[str, tuple[str, frozenset[str]]]:
    """A lock's packages: canonical name -> (version, sha256 hashes). Anything but `name==version`
    followed by `--hash=sha256:…` options (an index URL, a range, a URL, an editable) fails."""
    entries: dict[str, tuple[str, frozenset[str]]] = {}
    for line in path.read_text(encoding="utf-8").replace("\\\n", " ").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        requirement, *options = line.split()
        found = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", requirement)
        assert found, f"{path.name}: not an exact pin: {line[:80]}"
        assert options, f"{path.name}: {requirement} has no hash"
        hashes = set()
        for option in options:
            kind, _, digest = option.removeprefix("--hash=").partition(":")
            assert option.startswith("--hash=") and kind == "sha256" and SHA256.match(digest), f"{path.name}: {option}"
            hashes.add(digest)
        name = canonical(found.group(1))
        assert name not in entries, f"{path.name}: {name} twice"
        entries[name] = (found.group(2), frozenset(hashes))
    assert entries, f"{path.name} is empty"
    return entries


def requirement_pins(path: Path) -> dict[str, str]:
    """A requirements .txt's packages (following `-r`): canonical name -> its `==` version."""
    pins: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            pins.update(requirement_pins(path.parent / line.split(None, 1)[1]))
        elif line:
            found = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[\w,-]+\])?==(\S+)", line)
            assert found, f"{path.name}: {line!r} is not an exact pin"
            pins[canonical(found.group(1))] = found.group(2)
    return pins


def same_release(pinned: str, locked: str) -> bool:
    """`==2.13.0` is met by 2.13.0+cpu (a local version label, as pip reads it)."""
    return locked == pinned or ("+" not in pinned and locked.split("+", 1)[0] == pinned)


def pip_installs(path: Path) -> list[str]:
    """The `pip install …` commands of a Dockerfile or Makefile, continuation lines joined."""
    text = path.read_text(encoding="utf-8").replace("\\\n", " ")
    return [m.group(0) for m in re.finditer(r"pip install[^\n&;]*", text)]


@pytest.mark.parametrize("lock", sorted(LOCKS.values()))
def test_every_lock_pins_every_package_with_hashes(lock: str) -> None:
    entries = lock_entries(ROOT / lock)
    assert all(hashes for _, hashes in entries.values())


@pytest.mark.parametrize("requirements", sorted(LOCKS))
def test_the_locks_agree_with_the_requirement_pins(requirements: str) -> None:
    locked = lock_entries(ROOT / LOCKS[requirements])
    for name, version in requirement_pins(ROOT / requirements).items():
        assert name in locked, f"{name} is in {requirements} but not in {LOCKS[requirements]}: make lock"
        assert same_release(version, locked[name][0]), f"{name}: {version} in {requirements}, {locked[name][0]} locked"


def test_the_runtime_lock_is_part_of_the_dev_lock_at_the_same_versions() -> None:
    runtime = lock_entries(ROOT / "requirements.lock")
    dev = lock_entries(ROOT / "requirements-dev.lock")
    assert {name: runtime[name] for name in runtime} == {name: dev.get(name) for name in runtime}
    assert set(dev) - set(runtime) >= DEV_TOOLS


def test_the_runtime_set_has_no_development_tool() -> None:
    assert DEV_TOOLS & set(requirement_pins(ROOT / "requirements.txt")) == set()
    assert DEV_TOOLS & set(lock_entries(ROOT / "requirements.lock")) == set()
    assert set(requirement_pins(ROOT / "requirements-dev.txt")) >= DEV_TOOLS


def test_torch_is_locked_to_the_cpu_build_only() -> None:
    """An unpinned torch pulls a CUDA build of several GB: the lock admits the CPU wheel alone."""
    for lock in ("requirements.lock", "requirements-dev.lock"):
        entries = lock_entries(ROOT / lock)
        version, hashes = entries["torch"]
        assert version.endswith("+cpu") and len(hashes) == 1, f"{lock}: torch {version}, {len(hashes)} hashes"
        assert not [name for name in entries if name.startswith(("nvidia-", "triton", "cuda-"))], lock


def test_the_api_image_installs_only_the_hashed_runtime_lock() -> None:
    text = API_DOCKERFILE.read_text(encoding="utf-8")
    copied = {word for line in text.splitlines() if line.startswith("COPY ") for word in shlex.split(line)[1:-1]}
    assert {c for c in copied if c.startswith("requirements")} == {"requirements.lock"}
    installs = pip_installs(API_DOCKERFILE)
    torch_version = lock_entries(ROOT / "requirements.lock")["torch"][0]
    # torch from the CPU index first, then everything from the lock, hash-checked.
    assert installs == [
        f'pip install --no-deps --index-url "$TORCH_INDEX_URL" torch=={torch_version}',
        "pip install --require-hashes -r requirements.lock",
    ]
    assert not DEV_TOOLS & {canonical(word) for word in re.findall(r"[\w.-]+", " ".join(installs))}


def test_the_rasa_image_installs_from_hashed_locks() -> None:
    installs = pip_installs(RASA_DOCKERFILE)
    assert installs, "no pip install in rasa.Dockerfile"
    for command in installs:
        assert "--require-hashes" in command and " -c " not in command, command
    assert any(command.endswith("-r /tmp/requirements-rasa.lock") for command in installs)
    assert "requirements-dev" not in RASA_DOCKERFILE.read_text(encoding="utf-8")


def test_the_makefile_installs_the_environments_from_the_hashed_locks() -> None:
    installs = [c for c in pip_installs(ROOT / "Makefile") if " -r " in c]
    assert installs
    for command in installs:
        assert "--require-hashes" in command and re.search(r"-r requirements(-dev|-rasa)\.lock\b", command), command
    assert any("-r requirements-dev.lock" in c for c in installs)
    assert any("-r requirements-rasa.lock" in c for c in installs)
