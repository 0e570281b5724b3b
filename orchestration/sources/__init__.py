"""Every source of the pack, in the order the UI and the manifest list them.

Adding a source: a folder here with its parser and its `SOURCE` declaration, its GX suites in
`expectations/<key>/`, its dbt staging models, and one line below (docs/adding_a_source.md).
"""

from orchestration.landing.source import Source
from orchestration.sources import met_recorded_crime, met_ward_crime

SOURCES: tuple[Source, ...] = (met_recorded_crime.SOURCE, met_ward_crime.SOURCE)

# The source whose latest release sets the pack's default reporting month: the crime
# overview is the pack's first page and every other section is read beside it.
REPORTING_SOURCE = met_recorded_crime.SOURCE

# Source key -> the environment variable with a URL to fetch its latest file from.
DOWNLOAD_ENVS = {source.key: source.download_env for source in SOURCES if source.download_env}
