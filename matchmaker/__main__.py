from matchmaker.cli import main

main()
