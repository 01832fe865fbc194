from opscli.cli import main

main()
