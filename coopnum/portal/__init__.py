"""The authority portal: an authority contact's home (conventions, sessions, requests, and the panels other domains
register for them) and the sessions of their organisation. ``init_app`` registers its pages and menu entry."""


def init_app(app) -> None:
    from coopnum.portal import views

    app.register_blueprint(views.bp)
    views.register()
