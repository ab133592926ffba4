from toolkit.action import main

main()
