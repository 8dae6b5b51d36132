from django.db import models


class Scope(models.TextChoices):
    READ = "read", "Read"
    WRITE = "write", "Write"
