# demo-shape.jq — one shape for every line of `make demo` (tests/demo.sh):
# {"node":NAME,"ts":...,"type":...,"peerId":...,...} as p2p-node prints
# its events.  The reference nodes (tests/interop/ref-node.js) nest an
# event's fields under "payload" and print no time: the fields are lifted
# to the top and "ts" is the time the line passed here.  Use:
#   jq -c --unbuffered --arg n NAME -f tests/demo-shape.jq
def ms_now:
  now | (strftime("%Y-%m-%dT%H:%M:%S") + "."
    + ("00" + ((. * 1000) % 1000 | floor | tostring))[-3:] + "Z");

if type != "object" then {node: $n, line: .}
else
  {node: $n, ts: (.ts // ms_now), type: .type}
  + (if (.payload | type) == "object" then .payload
     elif .payload != null then {peerId: .payload}
     else {} end)
  + del(.ts, .type, .payload)
end
