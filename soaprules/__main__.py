from soaprules.cli.main import main

main()
