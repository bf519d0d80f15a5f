"""Create an API token for a partner organisation and print its key, alone, once.

    python manage.py create_api_token --organisation "France Travail" \\
        --scopes read:directory read:stats [--site reims] [--territory 51] [--name Entrepôt] \\
        [--expires 2027-12-31]

The organisation is given by its id, its exact name or its exact acronym. The key is the only thing
printed (on standard output), so that a script can read it; everything else goes to standard error.
"""

import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from network.enums import ApiScope
from network.models import ApiToken, Organisation, Territory
from network.services import api_token_create


class Command(BaseCommand):
    help = "Crée un jeton d'API pour une organisation partenaire et affiche sa clé (une seule fois)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--organisation", required=True, help="Identifiant, nom exact ou sigle exact de l'organisation."
        )
        parser.add_argument(
            "--scopes",
            "--scope",
            nargs="+",
            action="extend",
            required=True,
            choices=ApiScope.values,
            dest="scopes",
            help="Portées accordées (une ou plusieurs).",
        )
        parser.add_argument(
            "--name", default="Jeton d'API", help="À quoi sert ce jeton (ex. : entrepôt de données)."
        )
        parser.add_argument(
            "--site",
            action="append",
            default=[],
            dest="sites",
            help="Lie le jeton à ce site (slug) ; répétable.",
        )
        parser.add_argument(
            "--territory",
            action="append",
            default=[],
            dest="territories",
            help="Lie le jeton à ce territoire (code, ex. 51) ; répétable.",
        )
        parser.add_argument("--expires", help="Dernier jour de validité (AAAA-MM-JJ).")

    def handle(self, *args, organisation, scopes, name, sites, territories, expires, **options):
        target = self._find_organisation(organisation)
        try:
            expires_on = datetime.date.fromisoformat(expires) if expires else None
        except ValueError as exc:
            raise CommandError(f"Date d'expiration invalide : « {expires} » (AAAA-MM-JJ).") from exc
        try:
            token, key = api_token_create(
                organisation=target,
                name=name,
                scopes=scopes,
                sites=self._sites(sites),
                territories=self._territories(territories),
                expires_on=expires_on,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stderr.write(
            f"Jeton « {token.name} » créé pour {target} (portées : {', '.join(token.scopes)}). "
            "Clé à transmettre au partenaire ; elle ne sera plus jamais affichée :"
        )
        self.stdout.write(key)

    @staticmethod
    def _sites(slugs: list[str]):
        site_model = ApiToken._meta.get_field("sites").related_model  # Declared by the sites app.
        found = list(site_model.objects.filter(slug__in=slugs))
        missing = sorted(set(slugs) - {site.slug for site in found})
        if missing:
            raise CommandError(f"Site inconnu : {', '.join(missing)}.")
        return found

    @staticmethod
    def _territories(codes: list[str]):
        found = list(Territory.objects.filter(code__in=codes))
        missing = sorted(set(codes) - {territory.code for territory in found})
        if missing:
            raise CommandError(f"Territoire inconnu : {', '.join(missing)}.")
        return found

    @staticmethod
    def _find_organisation(value: str) -> Organisation:
        value = value.strip()
        if value.isdigit():
            found = list(Organisation.objects.filter(pk=int(value)))
        else:
            found = list(Organisation.objects.filter(name__iexact=value)[:2]) or list(
                Organisation.objects.filter(acronym__iexact=value)[:2]
            )
        if not found:
            raise CommandError(f"Aucune organisation ne correspond à « {value} ».")
        if len(found) > 1:
            raise CommandError(f"Plusieurs organisations s'appellent « {value} » : indiquez son identifiant.")
        return found[0]
