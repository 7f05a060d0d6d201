"""``python -m knowledge``: build, search, show, eval, calibrate, import-plan.

A stable interface: other parts of the project and the evaluations call it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

# Quiet the model libraries before they are imported; their progress bars and
# load reports are noise on a command line.
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from knowledge.loader import PROJECT_ROOT, KnowledgeError, document_to_yaml, item_json, load_knowledge
from knowledge.settings import KnowledgeSettings

DEFAULT_SEED = PROJECT_ROOT / "knowledge" / "seeds" / "plan_2019.txt"
EXIT_USAGE = 2


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _fail(message: str) -> int:
    print(f"错误：{message}", file=sys.stderr)
    return EXIT_USAGE


def _open(settings: KnowledgeSettings, progress: bool = False) -> Any:
    from knowledge.search import open_searcher

    return open_searcher(settings, progress=progress)


# ---- commands ----------------------------------------------------------------------
def cmd_build(args: argparse.Namespace, settings: KnowledgeSettings) -> int:
    from knowledge.embedder import Embedder
    from knowledge.index import cache_name, load_or_build
    from knowledge.lexical import Tokenizer

    started = time.perf_counter()
    kb = load_knowledge(settings.data_dir, settings.nlu_dir)
    print(f"知识库：{len(kb.document.items)} 项政策，{len(kb.answers)} 条审定答复，内容哈希 {kb.content_hash}")
    print("加载向量模型…", flush=True)
    embedder = Embedder(settings)
    loaded = time.perf_counter()
    index, built = load_or_build(
        kb, embedder, Tokenizer(kb.lexicon), settings.index_dir, force=args.force, progress=True
    )
    finished = time.perf_counter()
    state = "已重建" if built else "已是最新，未重建"
    print(
        f"索引{state}：{index.size} 个检索单元，模型加载 {loaded - started:.1f} 秒，"
        f"建索引 {finished - loaded:.1f} 秒\n位置：{settings.index_dir / cache_name(embedder, kb)}"
    )
    return 0


def _format_hit(rank: int, hit: Any) -> str:
    lines = []
    if hit.kind == "answer":
        lines.append(f"{rank}. 【审定答复】{hit.title}（得分 {hit.score:.3f}）")
        lines += ["   " + line for line in (hit.answer or "").splitlines()]
    for citation in hit.citations:
        head = f"第{citation['marker']}项 {citation['title']}"
        if hit.kind == "clause":
            lines.append(f"{rank}. 【政策条款】{head}（得分 {hit.score:.3f}）")
        else:
            lines.append(f"   依据：{head}")
        lines.append(f"   “{citation['quote']}”")
        lead = set(citation["lead"])
        depts = "、".join(d + ("（牵头）" if d in lead else "") for d in citation["departments"])
        lines.append(f"   责任单位：{depts}")
    if hit.contacts:
        lines.append("   电话：" + "；".join(f"{c['number']} {c['name']}" for c in hit.contacts))
    return "\n".join(lines)


def cmd_search(args: argparse.Namespace, settings: KnowledgeSettings) -> int:
    text = sys.stdin.read() if args.question == "-" else args.question
    if args.top_k < 1:
        return _fail("--top-k 至少是 1")
    searcher = _open(settings)
    result = searcher.search(text, top_k=args.top_k)
    if args.json:
        _print_json(result.to_json())
        return 0
    if result.message:
        print(result.message)
        return 0
    print(f"问题：{result.normalized}")
    if result.focus:
        print(f"（长消息，问题部分：{result.focus}）")
    if result.in_scope:
        print(f"在《工作要点》范围内（置信度 {result.confidence:.2f}）\n")
    else:
        topic = result.out_of_scope_topic or {}
        where = f"，可咨询 {topic['contact']}" if topic.get("contact") else ""
        print(f"超出范围：《工作要点》没有直接回答这个问题（置信度 {result.confidence:.2f}）{where}")
        print("最接近的内容仅供参考：\n")
    for rank, hit in enumerate(result.hits, start=1):
        print(_format_hit(rank, hit) + "\n")
    return 0


def cmd_show(args: argparse.Namespace, settings: KnowledgeSettings) -> int:
    kb = load_knowledge(settings.data_dir, settings.nlu_dir)
    try:
        number = int(args.item)
        data = item_json(kb, number)
    except (ValueError, KeyError):
        numbers = [it.item for it in kb.document.items]
        return _fail(f"没有第 {args.item} 项；可选 {numbers[0]}–{numbers[-1]}")
    if args.json:
        _print_json(data)
        return 0
    lead = set(data["lead"])
    depts = "、".join(d + ("（牵头）" if d in lead else "") for d in data["departments"])
    print(f"{data['doc']}\n第{data['part']}部分 {data['part_title']}\n")
    print(f"{data['marker']}{data['title']}\n\n{data['text']}\n\n责任单位：{depts}")
    return 0


def _bar(total: int, desc: str) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="问", file=sys.stderr)


def _print_figures(name: str, figures: dict[str, Any]) -> None:
    def line(label: str, f: dict[str, Any]) -> str:
        parts = [f"{label:<22}"]
        if f.get("in_scope"):
            parts.append(
                f"n={f['in_scope']:<4} top1={f['top1']:.3f} recall@3={f['recall_at_3']:.3f} "
                f"MRR={f['mrr']:.3f} 误拒={f['false_rejection']:.3f}"
            )
        if f.get("out_of_scope"):
            parts.append(f"范围外 n={f['out_of_scope']:<3} 拒答={f['oos_rejection']:.3f}")
        return "  ".join(parts)

    print(f"\n== {name}")
    print(line("全部", figures))
    for topic, f in figures.get("per_topic", {}).items():
        print(line(topic, f))


def cmd_eval(args: argparse.Namespace, settings: KnowledgeSettings) -> int:
    from knowledge.evaluate import evaluate, load_questions

    try:
        questions = load_questions(Path(args.file))
    except (OSError, ValueError) as exc:
        return _fail(str(exc))
    if not questions:
        return _fail(f"{args.file} 里没有问题")
    searcher = _open(settings)
    bar = None if args.json else _bar(len(questions), "评测")
    report = evaluate(searcher, questions, progress=bar.update if bar else None)
    if bar:
        bar.close()
    if args.json:
        _print_json(report)
        return 0
    _print_figures("混合检索（本系统）", report["metrics"])
    _print_figures("基线：仅向量（e5，条款，原文）", report["baselines"]["dense_only"])
    _print_figures("基线：仅 BM25（条款，原文）", report["baselines"]["bm25_only"])
    return 0


def cmd_calibrate(args: argparse.Namespace, settings: KnowledgeSettings) -> int:
    from knowledge.calibrate import calibrate, source_name
    from knowledge.evaluate import load_questions

    paths = [Path(f) for f in args.files]
    if any("shared/eval" in str(p.resolve()) for p in paths):
        return _fail("不能用 shared/eval 校准：那是评测集，只用来测量")
    try:
        questions = [q for p in paths for q in load_questions(p)]
    except (OSError, ValueError) as exc:
        return _fail(str(exc))
    searcher = _open(settings)
    source = " + ".join(source_name(p, PROJECT_ROOT) for p in paths)
    scoring, report = calibrate(searcher, questions, source, args.max_false_rejection)
    _print_json({"report": report, "scoring": {k: v for k, v in scoring.__dict__.items() if k != "fitted"}})
    if not args.dry_run:
        scoring.save(settings.calibration_file)
        print(f"已写入 {settings.calibration_file}")
    return 0


def cmd_import_plan(args: argparse.Namespace, settings: KnowledgeSettings) -> int:
    from knowledge.loader import PLAN_FILE
    from knowledge.plan_parser import parse_plan_file

    document = parse_plan_file(Path(args.seed))
    target = settings.data_dir / PLAN_FILE
    target.write_text(document_to_yaml(document), encoding="utf-8")
    print(f"{document.title}：{len(document.parts)} 部分，{len(document.items)} 项 → {target}")
    return 0


def cmd_export_nlu(args: argparse.Namespace, settings: KnowledgeSettings) -> int:
    from knowledge.nlu_export import export_nlu

    kb = load_knowledge(settings.data_dir, settings.nlu_dir)
    count = export_nlu(kb, settings.nlu_dir, Path(args.target))
    print(f"{count} 条训练样例 → {args.target}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m knowledge", description="工友助手的政策知识库")
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="建立或刷新检索索引")
    b.add_argument("--force", action="store_true", help="即使内容没变也重建")
    b.set_defaults(run=cmd_build)

    s = sub.add_parser("search", help="检索一个问题（'-' 从标准输入读）")
    s.add_argument("question")
    s.add_argument("--top-k", type=int, default=3)
    s.add_argument("--json", action="store_true")
    s.set_defaults(run=cmd_search)

    sh = sub.add_parser("show", help="显示第 N 项（不加载模型）")
    sh.add_argument("item")
    sh.add_argument("--json", action="store_true")
    sh.set_defaults(run=cmd_show)

    e = sub.add_parser("eval", help="在 JSONL 问题集上评测，附基线")
    e.add_argument("file")
    e.add_argument("--json", action="store_true")
    e.set_defaults(run=cmd_eval)

    c = sub.add_parser("calibrate", help="在自己的开发集上拟合打分与范围阈值")
    c.add_argument("files", nargs="+", metavar="FILE")
    c.add_argument("--max-false-rejection", type=float, default=0.01)
    c.add_argument("--dry-run", action="store_true", help="只打印，不写 calibration.json")
    c.set_defaults(run=cmd_calibrate)

    i = sub.add_parser("import-plan", help="从原文重新导入 plan.yml")
    i.add_argument("seed", nargs="?", default=str(DEFAULT_SEED))
    i.set_defaults(run=cmd_import_plan)
    x = sub.add_parser("export-nlu", help="把知识库里的问法导出为 Rasa 训练数据")
    x.add_argument("target")
    x.set_defaults(run=cmd_export_nlu)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = KnowledgeSettings()
    try:
        return int(args.run(args, settings))
    except KnowledgeError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return 130
