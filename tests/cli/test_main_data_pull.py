"""`embedboard data pull` asks the hub for each task's dataset at its pinned revision, into D/<path>."""

from __future__ import annotations

import huggingface_hub

from embedboard.cli.main import main


def test_pull_downloads_each_dataset_at_its_pinned_revision(tmp_path, monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(
        huggingface_hub, "snapshot_download", lambda **kw: calls.append(kw) or kw["local_dir"]
    )
    assert main(["data", "pull", "smoke", "--data-dir", str(tmp_path)]) == 0
    by_repo = {call["repo_id"]: call for call in calls}
    assert len(by_repo) == 22 and all(call["repo_type"] == "dataset" for call in calls)
    scifact = by_repo["mteb/scifact"]
    assert scifact["revision"] == "d56462d0e63a25450459c4f213e49ffdb866f7f9"
    assert scifact["local_dir"] == str(tmp_path.resolve() / "mteb" / "scifact")
    assert "22 dataset(s)" in capsys.readouterr().out


def test_pull_failure_names_the_dataset(tmp_path, monkeypatch, capsys):
    def refuse(**kw):
        raise OSError("connection refused")

    monkeypatch.setattr(huggingface_hub, "snapshot_download", refuse)
    assert main(["data", "pull", "smoke", "--data-dir", str(tmp_path)]) == 2
    assert "Could not download" in capsys.readouterr().err
