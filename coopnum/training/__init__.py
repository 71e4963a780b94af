"""The training domain: the skills framework (Pix, the title "Médiateur numérique", the cooperative's own skills),
people's levels and certifications, peer-training sessions in half-days with attendance signed per half-day, the
émargement sheet and certificates, the skills matrix, and the skills services require. ``init_app`` registers its
pages, API, jobs, panels and the immutability of signed attendance."""


def init_app(app) -> None:
    from coopnum.training import api, immutability, jobs, panels, views  # noqa: F401  (api: declares its endpoints)
    from coopnum.training.views import bp

    app.register_blueprint(bp)
    immutability.install()
    views.register_navigation()
    jobs.register()
    panels.register()
