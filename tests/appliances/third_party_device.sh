#!/bin/bash
# A device nobody here wrote: a switch made of mosquitto_pub and mosquitto_sub, announcing itself
# with Home Assistant MQTT discovery exactly as the convention says (its own payloads "1"/"0"
# and states "running"/"stopped", full key names, an availability topic with a last will), and
# echoing each command on its state topic. The home server must drive it like its own.
#   third_party_device.sh HOST PORT MQTTDIR [NAME]   (NAME.pem/.key from hp_provision; default fan)
set -u
host=$1 port=$2 dir=$3 name=${4:-fan}
tls=(-h "$host" -p "$port" --cafile "$dir/ca.pem" --cert "$dir/$name.pem" --key "$dir/$name.key")
root="hp/$name"
config='{"name":"Third-party fan","unique_id":"tp-'"$name"'","command_topic":"'"$root"'/set",
"state_topic":"'"$root"'/state","availability_topic":"'"$root"'/availability",
"payload_on":"1","payload_off":"0","state_on":"running","state_off":"stopped"}'
mosquitto_pub "${tls[@]}" -i "$name-announce" -q 1 -r -t "homeassistant/switch/$name/config" -m "$config"
mosquitto_pub "${tls[@]}" -i "$name-announce" -q 1 -r -t "$root/state" -m stopped
mosquitto_pub "${tls[@]}" -i "$name-announce" -q 1 -r -t "$root/availability" -m online
mosquitto_sub "${tls[@]}" -i "$name" -q 1 -t "$root/set" \
  --will-topic "$root/availability" --will-payload offline --will-retain --will-qos 1 |
  while read -r command; do
    case $command in
      1) state=running ;;
      0) state=stopped ;;
      *) continue ;;
    esac
    mosquitto_pub "${tls[@]}" -i "$name-echo" -q 1 -r -t "$root/state" -m "$state"
  done
