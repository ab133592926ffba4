"""The deploy pipeline (pipeline.py), the rollback (rollback.py), and the action's entry (action.py).

    from toolkit.deploy.pipeline import DeployRequest, HealthSpec, deploy
    outcome = deploy(DeployRequest(config, "dev", url, health=HealthSpec(urls=("http://app/healthz",))))
    outcome.result, outcome.applied, outcome.backup_uri, outcome.story
"""
