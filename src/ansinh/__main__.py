from ansinh.cli.main import main

main()
