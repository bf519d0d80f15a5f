"""Create an API token for a partner organisation and print its key, once.

    python manage.py create_api_token --organisation "France Travail" --name "Entrepôt" \\
        --scope sites:read --scope network:read
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from network.enums import ApiScope
from network.models import Organisation
from network.services import api_token_create


class Command(BaseCommand):
    help = "Crée un jeton d'API pour une organisation partenaire et affiche sa clé (une seule fois)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--organisation", required=True, help="Identifiant, nom exact ou sigle exact de l'organisation."
        )
        parser.add_argument("--name", required=True, help="À quoi sert ce jeton (ex. : entrepôt de données).")
        parser.add_argument(
            "--scope",
            action="append",
            required=True,
            choices=ApiScope.values,
            dest="scopes",
            help="Portée accordée ; répéter l'option pour en accorder plusieurs.",
        )

    def handle(self, *args, organisation, name, scopes, **options):
        target = self._find_organisation(organisation)
        try:
            token, key = api_token_create(organisation=target, name=name, scopes=scopes)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Jeton « {token.name} » créé pour {target} (portées : {', '.join(token.scopes)})."
            )
        )
        self.stdout.write("Clé à transmettre au partenaire ; elle ne sera plus jamais affichée :")
        # The key alone on the last line, so that a script can read it.
        self.stdout.write(key)

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
