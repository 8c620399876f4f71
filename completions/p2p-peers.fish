# fish completion for p2p-peers(1)
set -l cmds list add remove ban unban import export stats select init check bucket dump
complete -c p2p-peers -f
complete -c p2p-peers -n "not __fish_seen_subcommand_from $cmds" -a "$cmds"
complete -c p2p-peers -s b -l peerbook -r -F -d 'the peer book'
complete -c p2p-peers -l network -x -a 'mainnet testnet devnet' -d 'network preset'
complete -c p2p-peers -l chain-id -x -d 'chain ID in hex'
complete -c p2p-peers -s n -l count -x -d 'how many peers select picks'
complete -c p2p-peers -s q -l quiet -d 'say less'
complete -c p2p-peers -s v -l verbose -d 'say more'
complete -c p2p-peers -s h -l help -d 'print the synopsis'
complete -c p2p-peers -s V -l version -d 'print the version'
complete -c p2p-peers -n '__fish_seen_subcommand_from list' -l new -d 'new table'
complete -c p2p-peers -n '__fish_seen_subcommand_from list' -l tried -d 'tried table'
complete -c p2p-peers -n '__fish_seen_subcommand_from list' -l banned -d 'bans'
complete -c p2p-peers -n '__fish_seen_subcommand_from list add' -l fixed -d 'fixed list'
complete -c p2p-peers -n '__fish_seen_subcommand_from list add' -l seed -d 'seed list'
complete -c p2p-peers -n '__fish_seen_subcommand_from list add' -l whitelisted -d 'whitelisted list'
complete -c p2p-peers -n '__fish_seen_subcommand_from list ban' -l blacklisted -d 'blacklist'
complete -c p2p-peers -n '__fish_seen_subcommand_from list' -l all -d 'everything'
complete -c p2p-peers -n '__fish_seen_subcommand_from list stats dump' -l format -x -a 'ndjson table' -d 'output format'
complete -c p2p-peers -n '__fish_seen_subcommand_from select' -l for -x -a 'send request connect' -d 'selection'
complete -c p2p-peers -n '__fish_seen_subcommand_from ban' -l for -x -a '1h 24h 7d' -d 'ban duration'
complete -c p2p-peers -n '__fish_seen_subcommand_from add bucket' -l source -x -d 'source IP address'
complete -c p2p-peers -n '__fish_seen_subcommand_from init bucket' -l secret -x -d 'bucket secret'
complete -c p2p-peers -n '__fish_seen_subcommand_from init' -l chain-id -x -d 'chain ID in hex'
complete -c p2p-peers -n '__fish_seen_subcommand_from import' -F
