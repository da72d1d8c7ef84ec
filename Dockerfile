# Airflow image with Rasid installed: the DAGs in dags/ import `rasid.*` from here.
#   docker compose build            (docker-compose.yml builds it as rasid-airflow)
# Pinned to the set tested in .venv-airflow (constraints.txt), so the image and the tests agree.
ARG AIRFLOW_VERSION=3.3.2
ARG PYTHON_VERSION=3.11
FROM apache/airflow:${AIRFLOW_VERSION}-python${PYTHON_VERSION}

ARG AIRFLOW_VERSION
USER airflow
WORKDIR /opt/rasid

# Dependencies first (cached while only the code changes).
COPY --chown=airflow:0 constraints.txt pyproject.toml README.md /opt/rasid/
COPY --chown=airflow:0 rasid /opt/rasid/rasid
COPY --chown=airflow:0 ingest /opt/rasid/ingest
COPY --chown=airflow:0 processing /opt/rasid/processing
COPY --chown=airflow:0 store /opt/rasid/store
COPY --chown=airflow:0 alerts /opt/rasid/alerts
COPY --chown=airflow:0 demo /opt/rasid/demo
# `rasid kibana setup` (run by hand in the stack, see the README) needs kibana/. tools/ (test
# engines started from Maven Central) is left out: nothing at runtime imports it.
# tests/test_packaging.py checks that every first-party package imported at runtime is copied.
COPY --chown=airflow:0 kibana /opt/rasid/kibana
RUN pip install --no-cache-dir -c /opt/rasid/constraints.txt \
        "apache-airflow==${AIRFLOW_VERSION}" \
        "apache-airflow-providers-elasticsearch" \
        "apache-airflow-providers-opensearch" \
        /opt/rasid \
    && python -c "import rasid.airflow_support, rasid.pipeline, rasid.cli, kibana.setup"

# Defaults; docker-compose.yml mounts ./config and ./dags over these so edits need no rebuild.
COPY --chown=airflow:0 config /opt/rasid/config
COPY --chown=airflow:0 dags /opt/airflow/dags
# Relative paths in config/rasid.yaml (data/…, config/…) resolve against the working directory.
RUN mkdir -p /opt/rasid/data
ENV RASID_CONFIG=/opt/rasid/config/rasid.yaml
