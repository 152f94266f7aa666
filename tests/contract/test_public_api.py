import reconciler


def test_public_api_is_pinned():
    assert reconciler.__all__ == [
        "ConfigError",
        "DatabaseError",
        "DatabaseLocked",
        "ExitCode",
        "ReconcilerError",
        "Run",
        "RunSummary",
        "Settings",
        "SourceError",
        "SourceUnavailable",
        "StageResult",
        "connect",
        "load_settings",
        "migrate",
    ]
