"""micromacro: micro and macro conversion reports from the web server logs you already have."""

__version__ = "0.1.0"
