# syntax=docker/dockerfile:1
# GPU PRM image: `mathreward serve` with the process reward model on CUDA (plus a small verifier
# pool, so ComputeReward can mix ORM and PRM rewards in one call).
#
# Build from the repository root:
#   docker build -f deploy/docker/prm.Dockerfile -t mathreward-prm:0.1.0 .
# Run (weights are mounted, never baked in; the NVIDIA container toolkit provides the driver):
#   docker run --rm --gpus 1 -p 50051:50051 -p 9090:9090 \
#     -v "$PWD/prm/weights:/models/prm:ro" mathreward-prm:0.1.0
#
# The PyPI torch wheel for Linux x86_64 carries its own CUDA runtime libraries (the nvidia-*
# wheels), so a slim Python base is enough: no CUDA base image, no compiler in the runtime stage.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- build stage ------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS build
ARG TORCH_VERSION=2.13.0
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH
# torch first and pinned: its own layer, reused across source changes (it is several GB).
RUN python -m venv /opt/venv \
    && pip install --no-compile "torch==${TORCH_VERSION}"
WORKDIR /src
COPY pyproject.toml README.md ./
COPY verifier/ verifier/
COPY prm/ prm/
COPY mathreward/ mathreward/
# The local project with its `prm` extra; versions come from pyproject.toml (DL3013 cannot see them).
# hadolint ignore=DL3013
RUN pip install --no-compile ".[prm]"

# ---- runtime stage ----------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
ARG APP_UID=10001
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini=0.19.0-1+b3 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid "${APP_UID}" mathreward \
    && useradd --system --uid "${APP_UID}" --gid mathreward --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin mathreward
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    OMP_NUM_THREADS=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1
# /models/prm: the checkpoint directory (safetensors + tokenizer), mounted read-only.
# /tmp: writable scratch (forkserver socket); an emptyDir under a read-only root file system.
VOLUME ["/models/prm"]
WORKDIR /tmp
USER ${APP_UID}:${APP_UID}
EXPOSE 50051 9090
ENTRYPOINT ["tini", "--", "mathreward", "serve"]
CMD ["--host", "0.0.0.0", "--port", "50051", "--metrics-port", "9090", "--workers", "2", \
     "--prm", "/models/prm", "--prm-device", "cuda"]
