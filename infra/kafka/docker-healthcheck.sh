#!/usr/bin/env bash
# The Kafka container's healthcheck: the broker answers an ApiVersions request on its client listener,
# which it serves only once started (and before any SASL authentication). In bash, because the JVM tool
# this replaces (kafka-broker-api-versions.sh) cost 2–3 s of CPU at every 5 s check.
#
#   docker-healthcheck.sh [PORT]   (9092)
set -euo pipefail
# A broker its entrypoint refused to start (a storage formatted for another mode) says why in the health log.
if [[ -f /tmp/eventstreamapp-refused ]]; then cat /tmp/eventstreamapp-refused; exit 1; fi
exec 3<>"/dev/tcp/127.0.0.1/${1:-9092}"
# Size 18, then api_key 18 (ApiVersions), api_version 0, correlation_id 1, client_id "healthck" (8 bytes).
printf '\000\000\000\022\000\022\000\000\000\000\000\001\000\010healthck' >&3
# The answer: size (4 bytes), correlation_id 1, error_code 0 (NONE).
reply=$(head -c 10 <&3 | od -An -tx1 | tr -d ' \n')
[[ "${reply:8}" == 000000010000 ]]
