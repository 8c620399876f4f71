# fish completion for p2p-send
complete -c p2p-send -f
complete -c p2p-send -l network -x -a 'mainnet testnet devnet' -d 'Lisk Core 4 network preset'
complete -c p2p-send -l chain-id -x -d 'Chain ID as hex bytes'
complete -c p2p-send -l network-version -x -d 'Network version to announce'
complete -c p2p-send -l peer -x -d 'Peer HOST:PORT (repeatable)'
complete -c p2p-send -l request -x -a 'getNodeInfo getPeers getLastBlock getBlocksFromId getHighestCommonBlock getTransactions' -d 'Send one RPC request'
complete -c p2p-send -l event -x -a 'postBlock postTransactionsAnnouncement postSingleCommitMessages postNodeInfo' -d 'Send one message'
complete -c p2p-send -l data-hex -x -d 'Payload as hex'
complete -c p2p-send -l data-file -r -F -d 'Payload from a file'
complete -c p2p-send -l timeout -x -d 'Seconds for the connection and each reply'
complete -c p2p-send -l rate -x -d 'Items per second per peer'
complete -c p2p-send -s h -l help -d 'Print the synopsis'
complete -c p2p-send -s V -l version -d 'Print the version'
