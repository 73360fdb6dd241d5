from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_data_generations"),
    ]

    operations = [
        migrations.CreateModel(
            name="RateCounter",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=100, verbose_name="key")),
                ("window_start", models.DateTimeField(verbose_name="window start")),
                ("expires_at", models.DateTimeField(verbose_name="expires at")),
                ("count", models.PositiveIntegerField(default=0, verbose_name="count")),
            ],
            options={
                "verbose_name": "rate counter",
                "verbose_name_plural": "rate counters",
                "indexes": [models.Index(fields=["expires_at"], name="rate_counter_expires_idx")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("key", "window_start"), name="rate_counter_one_row_per_window"
                    )
                ],
            },
        ),
    ]
