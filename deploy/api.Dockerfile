# syntax=docker/dockerfile:1
# The api: channels, widget, staff console and Rasa's custom actions at /webhook (Python 3.11).
# Build from the repository root:
#   docker build -f deploy/api.Dockerfile -t gongyou/api:0.3.0 .
# The embedding model and the search index are made here, at build time: nothing is
# downloaded when a container starts.
FROM python:3.11-slim-bookworm

# The CPU build of torch; PyPI's default Linux wheel pulls several GB of CUDA libraries.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    TOKENIZERS_PARALLELISM=false

RUN python -m venv /opt/venv \
    && groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app app

# torch alone and first, from the CPU index, without its dependencies (they come hash-checked
# from the lock below). torch itself is the one package not checked against a hash here: the
# CPU index could not be reached from the machine that made the lock, so requirements.lock
# holds only the hash of the CPU wheel on that machine's disk. The lock's torch line is then
# satisfied by this install and skipped.
RUN pip install --no-deps --index-url "$TORCH_INDEX_URL" torch==2.13.0+cpu

WORKDIR /app
# The runtime set only (requirements.txt, locked): no test, lint or fuzzing tool in the image.
# Every file is checked against the lock's hashes; one that changed on the index is refused.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

COPY api/ api/
COPY actions/ actions/
COPY knowledge/ knowledge/
COPY nlu_data/ nlu_data/
# The yes/no/stop lexicon the forms share with the NLU: pure Python, no Rasa.
COPY bot/__init__.py bot/
COPY bot/components/__init__.py bot/components/short_replies.py bot/components/short_replies.yml bot/components/
# Byte code made now, by root: the running user cannot (and on Kubernetes, must not) write here.
RUN python -m compileall -q api actions knowledge bot \
    && mkdir .cache && chown app:app .cache

USER app
# The converted model and the index, owned by the app user so that a publish can add an
# index next to them. The first search also caches the pinyin table, so at run time only
# .cache/index is ever written.
RUN python -m knowledge build && python -m knowledge search 公租房 > /dev/null

EXPOSE 8000
CMD ["uvicorn", "--factory", "api.main:create_app", "--host", "0.0.0.0", "--port", "8000"]
