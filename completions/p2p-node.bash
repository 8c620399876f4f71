# bash completion for p2p-node(1)
_p2p_node()
{
	local cur prev opts
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	opts="-b -h -q -V -v --peerbook --help --quiet --version --verbose
	    --network --chain-id --network-version --listen --seed --fixed
	    --whitelist --blacklist --max-inbound --max-inbound-per-ip
	    --max-inbound-per-netgroup --max-outbound --max-message-rate --nonce --no-advertise --option --metrics"
	case $prev in
	-b|--peerbook)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--network)
		COMPREPLY=($(compgen -W "mainnet testnet devnet" -- "$cur"))
		return ;;
	--option)
		COMPREPLY=($(compgen -S = -W "ackTimeout bookSyncInterval
		    connectTimeout fallbackSeedPeerDiscoveryInterval
		    latencyProtectionRatio longevityProtectionRatio
		    maxInboundConnections maxInboundPerIp maxInboundPerNetgroup
		    maxOutboundConnections
		    maxPeerDiscoveryResponseLength maxPeerInfoSize
		    minTriedPeerCount minimumPeerDiscoveryThreshold
		    netgroupProtectionRatio outboundShuffleInterval peerBanTime
		    peerStatusMessageRate populatorInterval
		    productivityProtectionRatio rateCalculationInterval secret
		    sendPeerLimit wsMaxMessageRate wsMaxMessageRatePenalty
		    wsMaxPayload" -- "$cur"))
		compopt -o nospace 2>/dev/null
		return ;;
	--chain-id|--network-version|--listen|--seed|--fixed|--whitelist|\
	--blacklist|--max-inbound|--max-inbound-per-ip|\
	--max-inbound-per-netgroup|--max-outbound|--max-message-rate|--nonce|\
	--metrics)
		return ;;
	esac
	COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -F _p2p_node p2p-node
