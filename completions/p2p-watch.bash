# bash completion for p2p-watch(1)
_p2p_watch()
{
	local cur prev
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	case $prev in
	--network)
		COMPREPLY=($(compgen -W "mainnet testnet devnet" -- "$cur"))
		return ;;
	--graph)
		COMPREPLY=($(compgen -W "dot" -- "$cur"))
		return ;;
	--events)
		local types="EVENT_CONNECT_OUTBOUND EVENT_CONNECT_ABORT_OUTBOUND
		    EVENT_CLOSE_OUTBOUND EVENT_MESSAGE_RECEIVED
		    EVENT_REQUEST_RECEIVED EVENT_DISCOVERED_PEER
		    EVENT_UPDATED_PEER_INFO EVENT_BAN_PEER EVENT_NETWORK_READY
		    PEER SUMMARY HEIGHT HEIGHTS BLOCK ANNOUNCE FORK"
		local pre=""
		[[ $cur == *,* ]] && pre=${cur%,*},
		COMPREPLY=($(compgen -P "$pre" -W "$types" -- "${cur##*,}"))
		return ;;
	-b|--peerbook)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--chain-id|--network-version|--seed|--max-peers|--filter|--duration|\
	--bind|--timeout|--parallel|--max-message-rate|--metrics)
		return ;;
	esac
	COMPREPLY=($(compgen -W "--network --chain-id --network-version --seed
	    --peerbook --max-peers --max-message-rate --events --filter --duration --decode
	    --bind --timeout --crawl --parallel --graph --heights --metrics --help --quiet
	    --version --verbose -b -h -q -V -v" -- "$cur"))
}
complete -F _p2p_watch p2p-watch
