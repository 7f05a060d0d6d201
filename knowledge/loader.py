"""The single entry point to the knowledge base's data.

Everything the office maintains lives as YAML under ``knowledge/data/``: the plan
(``plan.yml``, imported once from the seed text), how workers ask about each item
(``item_questions.yml``), approved answers (``answers.yml``) and contacts
(``contacts.yml``). The plan, the questions and the answers can also live in the
versioned knowledge store (``knowledge/store.py``), which assembles its knowledge
base with ``assemble`` from its published versions and the files' other parts. The
lexicons shared with the NLU live in ``nlu_data/``: ``jieba/userdict.txt`` (one term
per line: word, frequency, tag — no comments, since Rasa's JiebaTokenizer loads every
file of that folder as is) and ``synonyms.yml``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from knowledge.models import ApprovedAnswer, Contact, Document, Item, OutOfScopeTopic
from knowledge.plan_parser import split_clauses

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "knowledge" / "data"
NLU_DIR = PROJECT_ROOT / "nlu_data"

PLAN_FILE = "plan.yml"
QUESTIONS_FILE = "item_questions.yml"
ANSWERS_FILE = "answers.yml"
CONTACTS_FILE = "contacts.yml"
OUT_OF_SCOPE_FILE = "out_of_scope.yml"
NEXT_STEPS_FILE = "next_steps.yml"
TYPOS_FILE = "typos.yml"
USER_DICT = Path("jieba") / "userdict.txt"
SYNONYMS_FILE = "synonyms.yml"


class KnowledgeError(ValueError):
    """The knowledge data is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class Lexicon:
    """Words shared with the NLU: the jieba dictionary, synonyms and common typos."""

    user_dict: Path
    words: tuple[str, ...]
    synonyms: dict[str, str]  # worker's word → the plan's word
    typos: dict[str, str]  # misspelling → correct spelling


@dataclass(frozen=True)
class KnowledgeBase:
    document: Document
    answers: tuple[ApprovedAnswer, ...]
    contacts: tuple[Contact, ...]
    out_of_scope: tuple[OutOfScopeTopic, ...]
    next_steps: dict[int, str]  # item → what the worker can do next
    lexicon: Lexicon
    content_hash: str

    def contacts_for(self, items: list[int] | tuple[int, ...]) -> list[Contact]:
        wanted = set(items)
        return [c for c in self.contacts if wanted & set(c.items)]

    def contact(self, contact_id: str) -> Contact:
        for c in self.contacts:
            if c.id == contact_id:
                return c
        raise KeyError(contact_id)


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise KnowledgeError(f"missing knowledge file: {path}") from exc
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path}: not valid YAML: {exc}") from exc


def _document(raw: dict[str, Any], questions: dict[int, list[str]]) -> Document:
    items = []
    for entry in raw["items"]:
        n = int(entry["item"])
        items.append(
            Item(
                item=n,
                marker=entry["marker"],
                part=int(entry["part"]),
                part_title=entry["part_title"],
                title=entry["title"],
                text=entry["text"],
                departments_text=entry["departments_text"],
                departments=tuple(entry["departments"]),
                lead=tuple(entry.get("lead") or ()),
                clauses=split_clauses(n, entry["text"]),
                questions=tuple(questions.get(n, ())),
                effective=str(entry.get("effective") or ""),
            )
        )
    doc = raw["document"]
    return Document(
        title=doc["title"],
        doc_number=doc["doc_number"],
        issuer=doc["issuer"],
        printed=str(doc["printed"]),
        preamble=doc["preamble"],
        parts=tuple((int(p["part"]), p["title"]) for p in raw["parts"]),
        items=tuple(items),
    )


def document_to_yaml(document: Document) -> str:
    data = {
        "document": {
            "title": document.title,
            "doc_number": document.doc_number,
            "issuer": document.issuer,
            "printed": document.printed,
            "preamble": document.preamble,
        },
        "parts": [{"part": n, "title": t} for n, t in document.parts],
        "items": [_item_yaml(it) for it in document.items],
    }
    header = "# 《2019年山西省农民工工作要点》, imported from knowledge/seeds/ by\n"
    header += "# `python -m knowledge import-plan`. Item texts are verbatim: edit with care.\n"
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000)


def _item_yaml(item: Item) -> dict[str, Any]:
    """An item as plan.yml holds it: no derived clauses, no effective date while it is as printed."""
    data = item.to_json()
    del data["clauses"]
    if not data["effective"]:
        del data["effective"]
    return data


def _answers(raw: list[dict[str, Any]], items: set[int], contacts: set[str]) -> list[ApprovedAnswer]:
    answers = []
    seen: set[str] = set()
    for entry in raw:
        aid = entry.get("id", "?")
        if aid in seen:
            raise KnowledgeError(f"{ANSWERS_FILE}: duplicate id {aid}")
        seen.add(aid)
        cited = tuple(int(i) for i in entry.get("items") or ())
        if not cited or not set(cited) <= items:
            raise KnowledgeError(f"{ANSWERS_FILE}: {aid} must cite existing plan items")
        linked = tuple(entry.get("contacts") or ())
        if not set(linked) <= contacts:
            raise KnowledgeError(f"{ANSWERS_FILE}: {aid} names an unknown contact")
        if not entry.get("questions") or not entry.get("answer"):
            raise KnowledgeError(f"{ANSWERS_FILE}: {aid} needs questions and an answer")
        answers.append(
            ApprovedAnswer(
                id=aid,
                topic=entry["topic"],
                title=entry["title"],
                answer=entry["answer"].strip(),
                items=cited,
                questions=tuple(entry["questions"]),
                contacts=linked,
                effective=str(entry.get("effective", "")),
            )
        )
    return answers


def _synonyms(raw: dict[str, Any]) -> dict[str, str]:
    """Rasa's NLU synonym format: ``- synonym: 工资`` with ``examples: |`` lines."""
    table: dict[str, str] = {}
    for block in raw.get("nlu", []):
        canonical = block.get("synonym")
        if not canonical:
            continue
        for line in str(block.get("examples", "")).splitlines():
            word = line.strip().lstrip("-").strip()
            if word and word != canonical:
                table[word] = canonical
    return table


def _user_words(path: Path) -> tuple[str, ...]:
    words = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.append(line.split()[0])
    return tuple(words)


@dataclass(frozen=True)
class Supporting:
    """The parts of the knowledge that stay files even with the knowledge store."""

    contacts: tuple[Contact, ...]
    out_of_scope: tuple[OutOfScopeTopic, ...]
    next_steps: dict[int, str]
    lexicon: Lexicon


def load_supporting(data_dir: Path = DATA_DIR, nlu_dir: Path = NLU_DIR) -> Supporting:
    contacts = tuple(
        Contact(
            id=c["id"],
            number=str(c["number"]),
            name=c["name"],
            description=c["description"],
            items=tuple(int(i) for i in c.get("items") or ()),
        )
        for c in _read_yaml(data_dir / CONTACTS_FILE)
    )
    out_of_scope = tuple(
        OutOfScopeTopic(
            id=t["id"],
            title=t["title"],
            contact=str(t.get("contact") or ""),
            questions=tuple(t["questions"]),
        )
        for t in _read_yaml(data_dir / OUT_OF_SCOPE_FILE) or []
    )
    next_steps = {int(k): str(v) for k, v in (_read_yaml(data_dir / NEXT_STEPS_FILE) or {}).items()}
    user_dict = nlu_dir / USER_DICT
    typos_raw = _read_yaml(data_dir / TYPOS_FILE) or {}
    lexicon = Lexicon(
        user_dict=user_dict,
        words=_user_words(user_dict),
        synonyms=_synonyms(_read_yaml(nlu_dir / SYNONYMS_FILE) or {}),
        typos={str(k): str(v) for k, v in typos_raw.items()},
    )
    return Supporting(contacts, out_of_scope, next_steps, lexicon)


def content_hash(document: Document, answers: tuple[ApprovedAnswer, ...], supporting: Supporting) -> str:
    """A hash of what the knowledge says, not of how its files are laid out.

    The same content loaded from the YAML files or assembled from the knowledge store
    hashes alike, so both share one cached index, and a rollback finds its old one.
    """
    lexicon = supporting.lexicon
    content = {
        "document": asdict(document),
        "answers": [asdict(a) for a in answers],
        "contacts": [asdict(c) for c in supporting.contacts],
        "out_of_scope": [asdict(t) for t in supporting.out_of_scope],
        "next_steps": list(supporting.next_steps.items()),
        "synonyms": list(lexicon.synonyms.items()),
        "typos": list(lexicon.typos.items()),
    }
    digest = hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True).encode())
    digest.update(lexicon.user_dict.read_bytes())  # word frequencies and tags steer jieba too
    return digest.hexdigest()[:16]


def assemble(document: Document, answers: tuple[ApprovedAnswer, ...], supporting: Supporting) -> KnowledgeBase:
    """Check that the parts fit together and make the knowledge base."""
    item_numbers = {it.item for it in document.items}
    contact_ids = {c.id for c in supporting.contacts}
    for answer in answers:
        if not answer.items or not set(answer.items) <= item_numbers:
            raise KnowledgeError(f"{ANSWERS_FILE}: {answer.id} must cite existing plan items")
        if not set(answer.contacts) <= contact_ids:
            raise KnowledgeError(f"{ANSWERS_FILE}: {answer.id} names an unknown contact")
    missing = item_numbers - set(supporting.next_steps)
    if missing:
        raise KnowledgeError(f"{NEXT_STEPS_FILE}: no next step for items {sorted(missing)}")
    return KnowledgeBase(
        document=document,
        answers=answers,
        contacts=supporting.contacts,
        out_of_scope=supporting.out_of_scope,
        next_steps=supporting.next_steps,
        lexicon=supporting.lexicon,
        content_hash=content_hash(document, answers, supporting),
    )


def load_knowledge(data_dir: Path = DATA_DIR, nlu_dir: Path = NLU_DIR) -> KnowledgeBase:
    """Load and validate the whole knowledge base."""
    questions_raw = _read_yaml(data_dir / QUESTIONS_FILE) or {}
    questions = {int(k): list(v or []) for k, v in questions_raw.items()}
    document = _document(_read_yaml(data_dir / PLAN_FILE), questions)
    supporting = load_supporting(data_dir, nlu_dir)
    item_numbers = {it.item for it in document.items}
    contact_ids = {c.id for c in supporting.contacts}
    answers = tuple(_answers(_read_yaml(data_dir / ANSWERS_FILE), item_numbers, contact_ids))
    return assemble(document, answers, supporting)


def item_json(kb: KnowledgeBase, number: int) -> dict[str, Any]:
    item = kb.document.item(number)
    data = item.to_json()
    data["doc"] = kb.document.citation_name()
    data["contacts"] = [c.number for c in kb.contacts_for([number])]
    data["next_step"] = kb.next_steps.get(number, "")
    return data
