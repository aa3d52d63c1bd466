# shellcheck shell=bash
# appliance_bus.sh: a private appliance bus on 127.0.0.1 for the tests, the demo and the
# benchmark: mosquitto with hp_provision's mosquitto.conf and ACL on a free port, and the
# simulated appliances. The caller defines `fail MESSAGE` and `track PID` (remember a process
# to stop at exit), and sets APPLIANCE_SIM (absolute path).
#   bus_start_broker MQTTDIR PORT   runs mosquitto (as the current user; its log: MQTTDIR/broker.log)
#   bus_start_sims MQTTDIR PORT     the five simulated appliances; sets SIM_PIDS[name]
# Set afterwards: BROKER_PID.
# shellcheck disable=SC2034  # for the sourcing script
declare -A SIM_PIDS

bus_wait_port() {  # PORT: until something listens there (10 s)
  for _ in $(seq 100); do
    # Not `ss | grep -q .`: under pipefail, ss writing on after grep quit (EPIPE) would fail it.
    [[ -n $(ss -Hltn "sport = :$1" 2>/dev/null) ]] && return 0
    sleep 0.1
  done
  return 1
}

bus_start_broker() {
  local dir=$1 port=$2
  # Run as root, mosquitto would switch to its own user, which cannot read the 0700 folder:
  # keep the current user (a root-run test only).
  { cat "$dir/mosquitto.conf"; echo "user $(id -un)"; } >"$dir/run.conf"
  mosquitto -c "$dir/run.conf" >>"$dir/broker.log" 2>&1 &
  BROKER_PID=$!
  track "$BROKER_PID"
  bus_wait_port "$port" || fail "mosquitto did not listen on $port"
}

bus_start_sims() {
  local dir=$1 port=$2 spec
  for spec in lamp:light plug:switch door:lock thermostat:climate temperature:sensor; do
    "$APPLIANCE_SIM" --kind "${spec#*:}" --name "${spec%%:*}" --broker "127.0.0.1:$port" \
      --dir "$dir" >>"$dir/sims.log" 2>&1 &
    SIM_PIDS[${spec%%:*}]=$!
    track $!
  done
}
