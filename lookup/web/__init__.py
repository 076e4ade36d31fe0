"""The only package that imports Flask: the app factory, views, hooks, templates, static files."""
