"""WSGI entry point: `gunicorn wsgi:app`."""

import gc

from portal import create_app

app = create_app()

# What the app made while starting (models, templates, routes, compiled statements: some
# 170,000 objects) lives as long as the worker. Frozen, the garbage collector stops walking
# it on every full collection, each of which took about 100 ms, the whole of a request's
# time every few hundred requests (a page that keeps something per request, such as the
# invite page, met one every ~300). Whatever is garbage already goes first.
gc.collect()
gc.freeze()
