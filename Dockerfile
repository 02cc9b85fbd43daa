# syntax=docker/dockerfile:1
# The ParcelOps production image: the wheel of `make dist` and its runtime dependencies
# only, in a virtualenv at /opt/parcelops. One image, two roles chosen by the command: the
# default is a web node (`parcelops serve --no-demo --no-worker`), `parcelops worker` the
# task worker, `parcelops migrate` the one-shot step before a release's nodes start
# (compose.yaml; docs/operations.md, "Deploying on PostgreSQL and Redis").
#   docker build -t parcelops:0.1.0 .

FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY config ./config
COPY parcelops ./parcelops
RUN pip wheel --no-cache-dir --no-deps -w /dist .

FROM python:3.11-slim-bookworm
# Debian packages: tzdata (the time zones pages are shown in), ca-certificates (TLS to the
# mail server). psycopg, lxml and cryptography come as wheels with their C libraries.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tzdata ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/parcelops parcelops \
    && install -d -o parcelops -g parcelops -m 700 /var/lib/parcelops /var/lib/parcelops-witness
COPY constraints.txt /tmp/constraints.txt
COPY --from=build /dist/ /tmp/dist/
RUN python -m venv /opt/parcelops \
    && /opt/parcelops/bin/pip install --no-cache-dir -c /tmp/constraints.txt /tmp/dist/parcelops-*.whl \
    && rm -rf /tmp/dist /tmp/constraints.txt
# No secret here: keys, SECRET_KEY and DATABASE_URL come from the environment at run time.
ENV PATH=/opt/parcelops/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PARCELOPS_DATA_DIR=/var/lib/parcelops \
    PARCELOPS_AUDIT_WITNESS=/var/lib/parcelops-witness/audit_witness \
    HOST=0.0.0.0 \
    PORT=8000
USER parcelops
WORKDIR /var/lib/parcelops
EXPOSE 8000
CMD ["parcelops", "serve", "--no-demo", "--no-worker"]
