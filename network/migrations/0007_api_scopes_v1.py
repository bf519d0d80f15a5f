from django.db import migrations

# The first version's scopes, renamed: read:directory covers the network and the sites.
RENAMED = {"network:read": "read:directory", "sites:read": "read:directory", "stats:read": "read:stats"}


def rename(apps, schema_editor):
    ApiToken = apps.get_model("network", "ApiToken")
    for token in ApiToken.objects.all():
        scopes = sorted({RENAMED.get(scope, scope) for scope in token.scopes})
        if scopes != token.scopes:
            token.scopes = scopes
            token.save(update_fields=["scopes"])


class Migration(migrations.Migration):
    dependencies = [("network", "0006_api_token_is_bound")]

    operations = [migrations.RunPython(rename, migrations.RunPython.noop)]
