# bash completion for p2p-send
_p2p_send()
{
	local cur prev
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	case $prev in
	--network)
		COMPREPLY=($(compgen -W 'mainnet testnet devnet' -- "$cur"))
		return ;;
	--data-file)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--request)
		COMPREPLY=($(compgen -W 'getNodeInfo getPeers getLastBlock
		    getBlocksFromId getHighestCommonBlock getTransactions' \
		    -- "$cur"))
		return ;;
	--event)
		COMPREPLY=($(compgen -W 'postBlock postTransactionsAnnouncement
		    postSingleCommitMessages postNodeInfo' -- "$cur"))
		return ;;
	--chain-id|--network-version|--peer|--data-hex|--timeout|--rate)
		return ;;
	esac
	COMPREPLY=($(compgen -W '--network --chain-id --network-version --peer
	    --request --event --data-hex --data-file --timeout --rate --decode
	    --force --help --version' -- "$cur"))
}
complete -F _p2p_send p2p-send
