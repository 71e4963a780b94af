"""Forms: assets (search, create/edit, retire, photo), kits, the CSV import; the labels of the categories and
statuses. The rules (unique tag, a kit's members, dates) are checked by the services, next to their field."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from coopnum.core.forms import EuroField, MultiCheckboxField, SafeForm
from coopnum.inventory.forms import CATEGORY_LABELS, STATUS_BADGES, STATUS_LABELS  # noqa: F401  (re-exported)


class AssetFilterForm(SafeForm):
    """The list's filters, read from the query string (places and kits filled by the view)."""

    class Meta:
        csrf = False

    q = StringField(_l("Étiquette, modèle ou n° de série"), validators=[Optional(), Length(max=100)])
    category = SelectField(_l("Catégorie"), choices=[("", _l("Toutes"))] + [(k.value, v) for k, v in
                                                                             CATEGORY_LABELS.items()],
                           validators=[Optional()])
    status = SelectField(_l("Statut"), choices=[("", _l("Tous"))] + [(k.value, v) for k, v in STATUS_LABELS.items()],
                         validators=[Optional()])
    place_id = SelectField(_l("Lieu"), validators=[Optional()])
    kit_id = SelectField(_l("Kit"), validators=[Optional()])


class AssetForm(SafeForm):
    tag = StringField(_l("Étiquette"), validators=[InputRequired(message=_l("Indiquez l'étiquette.")),
                                                   Length(max=40)],
                      description=_l("Unique, imprimée sur l'étiquette QR : par exemple TAB-0012."))
    category = SelectField(_l("Catégorie"), choices=[(k.value, v) for k, v in CATEGORY_LABELS.items()])
    model = StringField(_l("Modèle"), validators=[InputRequired(message=_l("Indiquez le modèle.")), Length(max=200)])
    serial = StringField(_l("Numéro de série (facultatif)"), validators=[Optional(), Length(max=100)])
    purchase_date = DateField(_l("Date d'achat (facultatif)"), validators=[Optional()])
    purchase_price = EuroField(_l("Prix d'achat TTC (€, facultatif)"), validators=[Optional()])
    funding = StringField(_l("Financement (facultatif)"), validators=[Optional(), Length(max=200)],
                          description=_l("Par exemple : Plan France Relance 2021, Conseil départemental, Don."))
    place_id = SelectField(_l("Lieu de rattachement"), coerce=int, validators=[Optional()])
    kit_id = SelectField(_l("Kit"), coerce=int, validators=[Optional()])
    notes = TextAreaField(_l("Notes (facultatif)"), validators=[Optional(), Length(max=5000)])


class RetireForm(SafeForm):
    on = DateField(_l("Réformé le"), validators=[InputRequired(message=_l("Indiquez la date de réforme."))])
    reason = StringField(_l("Motif"), validators=[InputRequired(message=_l("Indiquez le motif.")), Length(max=500)],
                         description=_l("Vendu, donné, recyclé, hors d'usage… La réforme est définitive."))


class PhotoForm(SafeForm):
    photo = FileField(_l("Photo (JPEG ou PNG, 5 Mo au plus)"),
                      validators=[FileRequired(message=_l("Choisissez une photo."))],
                      render_kw={"accept": "image/jpeg,image/png"})


class KitForm(SafeForm):
    code = StringField(_l("Code"), validators=[InputRequired(message=_l("Indiquez le code.")), Length(max=40)],
                       description=_l("Unique, écrit sur la valise : par exemple KIT-TAB-1."))
    name = StringField(_l("Nom"), validators=[InputRequired(message=_l("Indiquez le nom.")), Length(max=200)])
    description = TextAreaField(_l("Description (facultatif)"), validators=[Optional(), Length(max=5000)])
    place_id = SelectField(_l("Lieu"), coerce=int, validators=[Optional()])
    asset_ids = MultiCheckboxField(_l("Matériel du kit"), coerce=int, validators=[Optional()])


class ImportForm(SafeForm):
    file = FileField(_l("Fichier CSV"), validators=[FileRequired(message=_l("Choisissez un fichier CSV."))],
                     render_kw={"accept": ".csv,text/csv"})


class ImportConfirmForm(SafeForm):
    """The checked file, carried from the preview to the import: its text, signed (a changed text is refused)."""

    content = HiddenField(validators=[InputRequired(), Length(max=4_000_000)])
