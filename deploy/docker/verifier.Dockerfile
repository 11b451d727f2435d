# syntax=docker/dockerfile:1
# CPU verifier image: `mathreward serve` with the sympy worker pool only (no torch, no PRM).
#
# Build from the repository root (the build context must be the root; the ignore file beside this
# Dockerfile keeps .venv, tests and the PRM weights out of the context):
#   docker build -f deploy/docker/verifier.Dockerfile -t mathreward-verifier:0.1.0 .
# Run:
#   docker run --rm -p 50051:50051 -p 9090:9090 mathreward-verifier:0.1.0 --workers 4
#
# Arguments after the image name are `mathreward serve` flags (they replace CMD, the defaults
# below). The entrypoint is exec-form, so the server runs under tini, which forwards SIGTERM to it
# (graceful drain) and reaps orphaned worker processes that a killed forkserver leaves behind.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- build stage: a self-contained virtualenv with mathreward and its base dependencies ----------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
WORKDIR /src
# Dependencies are resolved from pyproject.toml; the sources follow (the verifier package, the
# service, and the prm package, which imports torch only when a model is loaded).
COPY pyproject.toml README.md ./
COPY verifier/ verifier/
COPY prm/ prm/
COPY mathreward/ mathreward/
RUN pip install --no-compile .

# ---- runtime stage: slim base, the virtualenv, tini, a non-root user --------------------------------
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
    OMP_NUM_THREADS=1
# The forkserver's socket and the workers' scratch files live in /tmp: with a read-only root file
# system, mount an emptyDir there (the Kubernetes manifests do).
WORKDIR /tmp
USER ${APP_UID}:${APP_UID}
EXPOSE 50051 9090
# --no-prm is part of the entrypoint: this image has no torch, and `docker run IMAGE --workers 4`
# replaces CMD, so a flag in CMD alone would be lost.
ENTRYPOINT ["tini", "--", "mathreward", "serve", "--no-prm"]
CMD ["--host", "0.0.0.0", "--port", "50051", "--metrics-port", "9090", "--workers", "2"]
