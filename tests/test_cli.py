"""The command line is a stable interface: run it as users and other parts do."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge.cli import main
from knowledge.loader import PROJECT_ROOT


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "knowledge", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        input=stdin,
        env=env,
        timeout=300,
    )


def test_show_json_without_loading_the_model(capsys: pytest.CaptureFixture[str]) -> None:
    # torch made unimportable: `show` must not need it.
    saved = {name: sys.modules.get(name) for name in ("torch", "sentence_transformers")}
    sys.modules["torch"] = None  # type: ignore[assignment]
    sys.modules["sentence_transformers"] = None  # type: ignore[assignment]
    try:
        assert main(["show", "3", "--json"]) == 0
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
    data = json.loads(capsys.readouterr().out)
    assert data["item"] == 3 and data["part"] == 2
    assert data["title"] == "坚决保障农民工工资支付"
    assert data["text"].startswith("完善政府投资工程项目资金审查制度")
    assert data["departments"][0] == "省人力资源社会保障厅" and data["lead"] == ["省人力资源社会保障厅"]


def test_show_text_and_bad_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "8"]) == 0
    out = capsys.readouterr().out
    assert "保障农民工随迁子女平等接受教育" in out and "省教育厅" in out
    for bad in ("0", "19", "abc", "-1"):
        assert main(["show", bad]) == 2
        assert "没有第" in capsys.readouterr().err


@pytest.mark.slow
def test_search_command_quotes_item_3() -> None:
    done = run("search", "老板欠我三个月工资不给怎么办")
    assert done.returncode == 0, done.stderr
    assert "第（三）项 坚决保障农民工工资支付" in done.stdout
    assert "省人力资源社会保障厅（牵头）" in done.stdout
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_search_json_shape_and_bad_input() -> None:
    done = run("search", "孩子上学要什么材料", "--top-k", "2", "--json")
    data = json.loads(done.stdout)
    assert {"query", "normalized", "in_scope", "confidence", "hits"} <= set(data)
    assert len(data["hits"]) == 2
    hit = data["hits"][0]
    assert {"items", "kind", "title", "quotes", "departments", "score", "citations"} <= set(hit)
    assert hit["items"] == [8]

    empty = run("search", "   ", "--json")
    assert empty.returncode == 0 and json.loads(empty.stdout)["in_scope"] is False
    emoji = run("search", "😀😀😀")
    assert emoji.returncode == 0 and "请用文字" in emoji.stdout
    stdin = run("search", "-", "--json", stdin="讲个笑话\n")
    assert json.loads(stdin.stdout)["in_scope"] is False
    assert run("search", "工资", "--top-k", "0").returncode == 2


@pytest.mark.slow
def test_eval_command(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"text": "公租房", "items": [9]}\n{"text": "你好", "items": []}\n', encoding="utf-8")
    data = json.loads(run("eval", str(path), "--json").stdout)
    assert set(data) == {"metrics", "baselines", "questions"}
    assert data["metrics"]["top1"] == 1.0
    assert [q["text"] for q in data["questions"]] == ["公租房", "你好"]
    assert data["questions"][0]["hits"][0]["items"] == [9]

    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n", encoding="utf-8")
    done = run("eval", str(bad))
    assert done.returncode == 2 and "bad.jsonl:1" in done.stderr and "Traceback" not in done.stderr
    assert run("eval", str(tmp_path / "missing.jsonl")).returncode == 2


def test_calibrate_refuses_the_evaluation_set(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calibrate", str(PROJECT_ROOT.parent / "shared" / "eval" / "real_questions.jsonl")]) == 2
    assert "shared/eval" in capsys.readouterr().err
