# secscan: every scanner in one image (bandit, semgrep, pip-audit, detect-secrets, npm audit, Trivy) plus a
# real liboqs for the PQC check.
#
#   docker build -t secscan .
#   docker run --rm -v "$PWD:/src" secscan                  # = secscan all .  (reports in ./reports/)
#   docker run --rm -v "$PWD:/src" secscan --offline --fail-on high
#   docker run --rm -v "$PWD:/src" --entrypoint secscan secscan doctor
#
# The container runs as uid 10001; /src must be readable (and ./reports writable) by it, or run with
# `-u "$(id -u):$(id -g)"` (HOME is usable by any uid).
#
# Stages: liboqs-build (C library), python-build (virtualenv with secscan[pqc]), final (runtime only).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --------------------------------------------------------------------------------------------------
# liboqs, built exactly as liboqs-python's own installer (oqs/oqs.py, _install_liboqs) does at run time
# when it finds no library: git clone of the release tag, cmake with BUILD_SHARED_LIBS=ON, install into
# a prefix that OQS_INSTALL_PATH points at. Doing it here means the image never clones or compiles on
# first use. Keep LIBOQS_VERSION in step with LIBOQS_PYTHON_VERSION (same major.minor.patch).
FROM ${PYTHON_IMAGE} AS liboqs-build
ARG LIBOQS_VERSION=0.16.0
# Debian packages are not pinned to versions on purpose: bookworm's security updates replace them.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates git cmake make gcc libc6-dev libssl-dev \
 && rm -rf /var/lib/apt/lists/*
RUN git clone --depth 1 --branch "${LIBOQS_VERSION}" https://github.com/open-quantum-safe/liboqs /tmp/liboqs \
 && cmake -S /tmp/liboqs -B /tmp/liboqs/build \
      -DBUILD_SHARED_LIBS=ON \
      -DOQS_BUILD_ONLY_LIB=ON \
      -DOQS_ENABLE_SIG_STFL_LMS=ON \
      -DOQS_ENABLE_SIG_STFL_XMSS=ON \
      -DOQS_HAZARDOUS_EXPERIMENTAL_ENABLE_SIG_STFL_KEY_SIG_GEN=ON \
      -DCMAKE_INSTALL_PREFIX=/opt/oqs \
 && cmake --build /tmp/liboqs/build --parallel 4 \
 && cmake --build /tmp/liboqs/build --target install \
 && rm -rf /tmp/liboqs

# --------------------------------------------------------------------------------------------------
# secscan and its scanners (bandit, semgrep, pip-audit, detect-secrets come as dependencies) in a venv.
FROM ${PYTHON_IMAGE} AS python-build
ARG LIBOQS_PYTHON_VERSION=0.16.0.1
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
WORKDIR /build
# the build context is filtered by .dockerignore (no .git, tests, reports, caches)
COPY . .
# the project itself (".[pqc]") is what hadolint's DL3013 calls an unpinned package
# hadolint ignore=DL3013
RUN pip install ".[pqc]" "liboqs-python==${LIBOQS_PYTHON_VERSION}"

# --------------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS final
LABEL org.opencontainers.image.title="secscan" \
      org.opencontainers.image.description="Security scanners with honest scanner health, PQC and mTLS checks" \
      org.opencontainers.image.licenses="Apache-2.0"

# git: --staged / --changed-since; nodejs + npm: npm audit; libssl3: liboqs and Python's ssl.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates git nodejs npm libssl3 \
 && rm -rf /var/lib/apt/lists/* \
 && git config --system --add safe.directory '*'

# Trivy from its official image, pinned. 0.69.4-0.69.6 were malicious releases (CVE-2026-33634): never
# use `latest`; for stronger pinning append the index digest you verified (aquasec/trivy:0.69.3@sha256:...).
COPY --from=aquasec/trivy:0.69.3 /usr/local/bin/trivy /usr/local/bin/trivy

COPY --from=liboqs-build /opt/oqs /opt/oqs
COPY --from=python-build /opt/venv /opt/venv

ENV PATH=/opt/venv/bin:$PATH \
    OQS_INSTALL_PATH=/opt/oqs \
    SEMGREP_ENABLE_VERSION_CHECK=0 \
    SEMGREP_SEND_METRICS=off \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/home/secscan

# Non-root user with a fixed uid/gid (10001). Its home is world-writable (sticky) so that
# `docker run -u <uid>` still has a HOME for semgrep's settings and Trivy's cache.
RUN groupadd --gid 10001 secscan \
 && useradd --uid 10001 --gid 10001 --home-dir /home/secscan --create-home --shell /usr/sbin/nologin secscan \
 && chmod 1777 /home/secscan

# Fail the build, not the first scan, if liboqs does not load or its KEM does not round-trip.
RUN python -c "import oqs; k = oqs.KeyEncapsulation('ML-KEM-768'); pk = k.generate_keypair(); ct, ss = oqs.KeyEncapsulation('ML-KEM-768').encap_secret(pk); assert k.decap_secret(ct) == ss; print('liboqs', oqs.oqs_version(), 'ok')" \
 && trivy --version \
 && npm --version \
 && secscan --help > /dev/null

USER 10001:10001

WORKDIR /src
ENTRYPOINT ["secscan", "all"]
CMD ["."]
