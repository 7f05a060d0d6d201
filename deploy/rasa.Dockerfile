# syntax=docker/dockerfile:1
# The Rasa server (Python 3.10, rasa 3.6.21) with its trained model inside the image.
# Build from the repository root:
#   docker build -f deploy/rasa.Dockerfile -t gongyou/rasa:0.3.0 .
# The model is trained here, not mounted: the image then names exactly one model, every
# replica runs the same one, and no shared volume is needed. Intents, stories and forms
# change with the code, so a new model comes with a new image; knowledge edits never
# need one. To run another model anyway, mount it and set RASA_MODEL to its path.

# 1. The knowledge base's questions as NLU examples (what `make train` adds). The export
#    needs only PyYAML and pydantic-settings from the main environment, not torch: those and
#    their dependencies are cut out of the runtime lock, with their hashes (pip refuses to go
#    on if one of their dependencies were missing from the cut).
FROM python:3.11-slim-bookworm AS nlu
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY requirements.lock ./
RUN awk '/^[a-z0-9]/ { keep = $1 ~ /^(pyyaml|pydantic|pydantic-core|pydantic-settings|annotated-types|typing-extensions|typing-inspection|python-dotenv)==/ } keep' \
      requirements.lock > nlu.lock \
    && pip install --require-hashes -r nlu.lock
COPY knowledge/ knowledge/
COPY nlu_data/ nlu_data/
RUN python -m knowledge export-nlu /out/knowledge_nlu.yml

# 2. Rasa's environment.
FROM python:3.10-slim-bookworm AS rasa-env
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
# Every package from the hashed lock (rasa[jieba] and all it pulls in); a file that changed on
# the index is refused.
COPY requirements-rasa.lock /tmp/
RUN pip install --require-hashes -r /tmp/requirements-rasa.lock

# 3. Training, the same inputs as the Makefile's `train` target.
FROM rasa-env AS train
# PYTHONPATH: config.yml names the custom component bot.components.knowledge_intent.
ENV RASA_TELEMETRY_ENABLED=false SQLALCHEMY_SILENCE_UBER_WARNING=1 PYTHONPATH=/app
WORKDIR /app
COPY config.yml ./
COPY bot/ bot/
COPY nlu_data/ nlu_data/
COPY --from=nlu /out/knowledge_nlu.yml .cache/rasa/data/knowledge_nlu.yml
RUN rasa train --config config.yml --domain bot/domain \
      --data nlu_data bot/data .cache/rasa/data/knowledge_nlu.yml \
      --out models --fixed-model-name bot --quiet

# 4. What runs: the environment, the custom components and channel, the model; not the
#    training cache that step 3 leaves behind.
FROM python:3.10-slim-bookworm
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    RASA_TELEMETRY_ENABLED=false \
    SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    RASA_MODEL=/app/models/bot.tar.gz
RUN groupadd --system --gid 10001 rasa \
    && useradd --system --uid 10001 --gid rasa --create-home --home-dir /home/rasa rasa
COPY --from=rasa-env /opt/venv /opt/venv
WORKDIR /app
COPY config.yml ./
COPY bot/ bot/
COPY nlu_data/ nlu_data/
COPY --from=train /app/models/bot.tar.gz models/bot.tar.gz
RUN python -m compileall -q bot

USER rasa
EXPOSE 5005
# A shell only to expand the variables at start; exec hands PID 1 (and SIGTERM) to Rasa.
# The JWT secret from RASA_JWT_SECRET (bot/serve.py), never on a command line that ps shows.
CMD ["sh", "-c", "exec python -m bot.serve run --model \"$RASA_MODEL\" --endpoints bot/endpoints.scaled.yml --credentials bot/credentials.yml --interface 0.0.0.0 --port 5005 --enable-api"]
