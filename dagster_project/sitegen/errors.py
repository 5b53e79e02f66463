"""The one error a site build raises."""


class SiteBuildError(Exception):
    """A page could not be built; names the page file, the SQL block (if any) and the cause."""

    def __init__(self, page: str, detail: str, block: str | None = None, params: str | None = None):
        self.page, self.block, self.detail, self.params = page, block, detail, params
        where = page + (f" ({params})" if params else "") + (f", block '{block}'" if block else "")
        super().__init__(f"{where}: {detail}")

    def __reduce__(self):  # pickled back from a worker process
        return (SiteBuildError, (self.page, self.detail, self.block, self.params))


class MissingColumnError(Exception):
    """A template or component asked a query result for a column it does not have."""

    def __init__(self, query: str, column: str, columns: list[str]):
        self.query = query
        super().__init__(
            f"column '{column}' is not in query '{query}' (columns: {', '.join(columns) or 'none'})"
        )
