"""``python -m micromacro`` runs the command line."""

from micromacro.cli import main

if __name__ == "__main__":
    main()
