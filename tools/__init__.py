"""Development tools kept out of the installed ``evaluation`` package."""
