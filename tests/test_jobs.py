"""A job's identity: its resolved configuration and the contents of the input files it names."""

from experiments.running.jobs import config_hash, input_files


def test_editing_an_input_file_changes_the_identity_and_renaming_a_setting_only_does_not(tmp_path):
    network = tmp_path / "survey.csv"
    network.write_text("source,target\na,b\n")
    raw = {"run": {"replicates": 2, "workers": 1}, "network_file": str(network),
           "intervention": {"leadership_programme": {"cohort_file": None}}}
    assert input_files(raw) == {"network_file": str(network)}
    before = config_hash(raw)
    assert config_hash({**raw, "run": {"replicates": 2, "workers": 2}}) == before  # workers do not change results
    network.write_text("source,target\na,c\n")  # the same path, other contents: the job must run again
    assert config_hash(raw) != before
    assert config_hash({**raw, "run": {"replicates": 3, "workers": 1}}) != config_hash(raw)
