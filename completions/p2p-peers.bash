# bash completion for p2p-peers(1)
_p2p_peers()
{
	# plain bash: no bash-completion helpers (_init_completion, _filedir)
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local -a words=("${COMP_WORDS[@]}")
	local cword=$COMP_CWORD cmd i
	COMPREPLY=()
	local commands="list add remove ban unban import export stats select init check bucket dump"
	local global="-b --peerbook --network --chain-id -n --count -q --quiet -v --verbose -h --help -V --version"

	case $prev in
	-b|--peerbook)
		COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--network)
		COMPREPLY=($(compgen -W "mainnet testnet devnet" -- "$cur")); return ;;
	--format)
		COMPREPLY=($(compgen -W "ndjson table" -- "$cur")); return ;;
	--for)
		for ((i = 1; i < cword; i++)); do
			[[ ${words[i]} == select ]] &&
			    { COMPREPLY=($(compgen -W "send request connect" -- "$cur")); return; }
		done
		COMPREPLY=($(compgen -W "1h 24h 7d" -- "$cur")); return ;;
	--chain-id|-n|--count|--secret|--source)
		return ;;
	esac
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-b|--peerbook|--network|--chain-id|-n|--count|--secret|--source|--format|--for)
			((i++)) ;;
		-*) ;;
		*) cmd=${words[i]}; break ;;
		esac
	done
	local opts
	case $cmd in
	list)	opts="--new --tried --banned --fixed --seed --whitelisted --blacklisted --all --format" ;;
	add)	opts="--source --seed --fixed --whitelisted -" ;;
	ban)	opts="--for --blacklisted" ;;
	stats|dump)	opts="--format" ;;
	select)	opts="--for -n --count" ;;
	init)	opts="--chain-id --network --secret" ;;
	bucket)	opts="--secret --source -" ;;
	import)	COMPREPLY=($(compgen -f -- "$cur")); opts="-" ;;
	"")	COMPREPLY=($(compgen -W "$commands $global" -- "$cur")); return ;;
	esac
	COMPREPLY+=($(compgen -W "$opts $global" -- "$cur"))
}
complete -F _p2p_peers p2p-peers
