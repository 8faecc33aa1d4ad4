"""The bare page `bench/pages.py` measures the portal against: the same stack, nothing else.

Flask + Flask-SQLAlchemy + a Jinja template with a layout, three indexed queries (an owner by
primary key, their cars by an index on owner_id, ten owners by an index on name) over 10,000
owners and 30,000 cars. Served by gunicorn like the portal:

    REFERENCE_DATABASE_URL=sqlite:////tmp/reference.sqlite3 \
        .venv/bin/gunicorn -w 2 --chdir bench reference_app:app
"""

import os
import random

from flask import Flask, render_template
from flask_sqlalchemy import SQLAlchemy
from jinja2 import DictLoader
from sqlalchemy import ForeignKey, Index, String, insert, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

OWNERS = 10_000
CARS = 30_000
MAKES = ["Honda", "Toyota", "Mazda", "Volvo", "Ford", "Kia"]

TEMPLATES = {
    "layout.html": """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{% block title %}{% endblock %}</title>
<link rel="stylesheet" href="/static/site.css"></head>
<body><header><nav><a href="/">Home</a> <a href="/cars">Cars</a></nav></header>
<main>{% block main %}{% endblock %}</main><footer>Reference page</footer></body></html>""",
    "page.html": """{% extends "layout.html" %}
{% block title %}{{ owner.name }}{% endblock %}
{% block main %}
<h1>Hello, {{ owner.name }}</h1><p>{{ owner.email }}</p>
<table>{% for car in cars %}
<tr><td>{{ car.year }}</td><td>{{ car.make }} {{ car.model }}</td><td>{{ car.id }}</td></tr>
{% endfor %}</table>
<ul>{% for other in neighbours %}<li>{{ other.name }}</li>{% endfor %}</ul>
{% endblock %}""",
}


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Owner(db.Model):
    __tablename__ = "owners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)


class Car(db.Model):
    __tablename__ = "cars"
    __table_args__ = (Index("ix_cars_owner_id", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id"))
    make: Mapped[str] = mapped_column(String(60))
    model: Mapped[str] = mapped_column(String(60))
    year: Mapped[int]


def create_app(url: str) -> Flask:
    """The reference app on the database at `url`."""
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.jinja_loader = DictLoader(TEMPLATES)
    db.init_app(app)

    @app.get("/")
    def page():
        """One owner, their cars and ten owners after them by name: three indexed queries."""
        owner = db.session.get(Owner, random.randint(1, OWNERS))
        cars = db.session.scalars(
            select(Car).where(Car.owner_id == owner.id).order_by(Car.id)
        ).all()
        neighbours = db.session.scalars(
            select(Owner).where(Owner.name >= owner.name).order_by(Owner.name).limit(10)
        ).all()
        return render_template("page.html", owner=owner, cars=cars, neighbours=neighbours)

    return app


def build(url: str, seed: int = 11) -> None:
    """A fresh reference database: 10,000 owners and 30,000 cars."""
    rng = random.Random(seed)
    app = create_app(url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        if db.engine.dialect.name == "sqlite":
            db.session.execute(text("PRAGMA journal_mode = WAL"))
        db.session.execute(
            insert(Owner),
            [
                {"id": n, "name": f"Owner {rng.randint(1, 10**6):07d}", "email": f"o{n}@x.example"}
                for n in range(1, OWNERS + 1)
            ],
        )
        db.session.execute(
            insert(Car),
            [
                {
                    "owner_id": 1 + n % OWNERS,
                    "make": rng.choice(MAKES),
                    "model": "Model",
                    "year": rng.randint(2010, 2025),
                }
                for n in range(CARS)
            ],
        )
        db.session.commit()
        db.engine.dispose()


app = create_app(os.environ.get("REFERENCE_DATABASE_URL", "sqlite://"))
