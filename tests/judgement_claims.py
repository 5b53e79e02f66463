"""Every judgement the marts state must rest on a test within one comparable series, and every
page of the built site must state the same judgement as the marts."""

import html
import re
from pathlib import Path

import duckdb

JUDGED = ("Better", "Worse", "Similar", "Higher", "Lower")


def unsupported_claims(con: duckdb.DuckDBPyConnection) -> dict[str, list]:
    """Each kind of statement, with the rows that state it without a test (empty lists when honest)."""
    checks = {
        # a comparison needs an interval, or the publisher's own significance, and never compares counts
        "comparison without an interval": """
            select v.indicator_id, v.area_code, v.period, v.compared_to_la
            from marts.fct_indicator_values v join marts.dim_indicator i using (indicator_id)
            where v.compared_to_la in {judged} and (v.lower_ci_95 is null or i.value_type = 'count')
        """,
        "england comparison without an interval or published significance": """
            select v.indicator_id, v.area_code, v.period, v.compared_to_england
            from marts.fct_indicator_values v join marts.dim_indicator i using (indicator_id)
            where v.compared_to_england in {judged} and v.lower_ci_95 is null and i.value_type != 'published'
        """,
        "value and range both given": """
            select indicator_id, area_code, period from marts.fct_indicator_values
            where value is not null and value_status != 'published'
        """,
        # a trend needs a test, and every point it rests on in one segment
        "trend without a test": """
            select indicator_id, area_code, period, trend from marts.fct_indicator_values
            where trend != 'Cannot be assessed' and (trend_method is null or trend_p_value is null)
        """,
        "trend spanning a break": """
            select t.indicator_id, t.area_code, t.period
            from intermediate.int_indicator_trends t
            join (select indicator_id, area_code, segment_id, count(*) as periods
                  from marts.fct_indicator_values group by all) s using (indicator_id, area_code, segment_id)
            where t.n_periods > s.periods
        """,
        "gap verdict without a test": """
            select indicator_id, la_code, period, gap_trend from marts.fct_inequality
            where gap_trend in ('gap narrowing', 'gap widening', 'no significant change')
              and (gap_p_value is null or gap_test_method is null)
        """,
        "status without a test": """
            select mission_id, indicator_id, la_code, status from marts.fct_mission_progress
            where status != 'cannot be assessed'
              and p_value is null and gap_p_value is null and on_track_for_target is null
        """,
        "status whose baseline is in another series": """
            select p.mission_id, p.indicator_id, p.baseline_period, p.latest_period
            from marts.fct_mission_progress p
            join marts.fct_indicator_values b on b.indicator_id = p.indicator_id and b.area_code = p.la_code
                and b.period = p.baseline_period
            where b.segment_id != p.segment_id
        """,
        "status contradicting its own tests": """
            select mission_id, indicator_id, status, direction, gap_direction from marts.fct_mission_progress
            where (status = 'gap narrowing' and (gap_direction != 'gap narrowing' or direction = 'worsening'))
               or (status = 'improving' and direction != 'improving')
               or (status = 'worsening' and direction != 'worsening')
               or (status = 'gap widening' and gap_direction != 'gap widening')
        """,
        "cannot be assessed without a reason": """
            select mission_id, indicator_id from marts.fct_mission_progress
            where status = 'cannot be assessed' and not starts_with(status_reason, 'Cannot be assessed: ')
            union all
            select indicator_id, area_code from marts.fct_indicator_values
            where compared_to_la = 'Cannot be assessed' and comparison_reason is null
        """,
    }
    return {name: con.execute(sql.format(judged=JUDGED)).fetchall() for name, sql in checks.items()}


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _sections(page: str, tag: str) -> dict[str, str]:
    """Heading text -> the HTML from that heading to the next heading of the same level."""
    parts = re.split(rf"(<{tag}[^>]*>.*?</{tag}>)", page, flags=re.S)
    return {_text(parts[i]): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def _callouts(fragment: str) -> list[str]:
    return [_text(s) for s in re.findall(r'<p class="callout-status">.*?<strong>(.*?)</strong>', fragment, flags=re.S)]


def _table_rows(fragment: str, caption: str) -> list[list[str]]:
    for table in re.findall(r"<table.*?</table>", fragment, flags=re.S):
        found = re.search(r"<caption[^>]*>(.*?)</caption>", table, flags=re.S)
        if found and _text(found.group(1)) == caption:
            body = table.split("<tbody>", 1)[-1]
            return [[_text(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)]
                    for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)]
    return []


def page_disagreements(con: duckdb.DuckDBPyConnection, site_dir: Path) -> list[str]:
    """Every place a built site states a mission status, a direction or a gap verdict, checked
    against fct_mission_progress (the site's council): the home page's table and callouts, each
    mission page's table and callouts, and each indicator page's mission line and gap callout.
    Returns the disagreements (empty when the pages and the warehouse say the same)."""
    rows = con.execute(
        """
        select b.mission_id, m.title, b.indicator_id, i.title,
            coalesce(p.status, 'cannot be assessed'), p.direction, p.gap_direction
        from marts.bridge_mission_indicator b
        join marts.dim_mission m using (mission_id)
        join marts.dim_indicator i using (indicator_id)
        left join marts.fct_mission_progress p on p.mission_id = b.mission_id and p.indicator_id = b.indicator_id
            and p.la_code = (select min(la_code) from marts.dim_ward)
        order by b.mission_id, i.domain, b.indicator_id
        """
    ).fetchall()
    problems: list[str] = []

    def expect(where: str, said, wanted) -> None:
        if (said or "").lower() != (wanted or "").lower():
            problems.append(f"{where}: the page says {said!r}, the warehouse {wanted!r}")

    home = (site_dir / "index.html").read_text(encoding="utf-8")
    home_sections = _sections(home, "h2")
    missions = sorted({(r[0], r[1]) for r in rows})
    for mission_id, mission_title in missions:
        mine = [r for r in rows if r[0] == mission_id]
        table = {cells[0]: cells[1] for cells in _table_rows(home, mission_title)}
        said = dict(c.rsplit(": ", 1) for c in _callouts(home_sections.get(mission_title, "")))
        mission_page = (site_dir / "missions" / mission_id / "index.html").read_text(encoding="utf-8")
        mission_table = {cells[0]: cells for cells in _table_rows(mission_page, "Status of each indicator for this mission")}
        mission_sections = _sections(mission_page, "h2")
        for _, _, indicator_id, title, status, direction, gap in mine:
            expect(f"home table, {title}", table.get(title), status)
            expect(f"home callout, {title}", said.get(title), status)
            cells = mission_table.get(title, [title, None, None, None])
            expect(f"{mission_id} table status, {title}", cells[1], status)
            expect(f"{mission_id} table direction, {title}", cells[2] or None, direction)
            expect(f"{mission_id} table gap, {title}", cells[3] or None, gap)
            callout = _callouts(mission_sections.get(title, ""))[:1]
            expect(f"{mission_id} callout, {title}", callout[0].removeprefix("Status: ") if callout else None, status)
            page = (site_dir / "indicators" / indicator_id / "index.html").read_text(encoding="utf-8")
            line = re.search(rf"{re.escape(html.escape(mission_title, quote=False))}</a>:.*?\(status: ([^)]*)\)", page, flags=re.S)
            expect(f"indicator page {indicator_id}, status", line.group(1) if line else None, status)
            gap_callout = [c for c in _callouts(page) if c.startswith("Gap between the most and least deprived wards: ")]
            if gap_callout or gap not in (None, "cannot be assessed"):
                said_gap = gap_callout[0].split(": ", 1)[1] if gap_callout else None
                expect(f"indicator page {indicator_id}, gap", said_gap, gap or "cannot be assessed")
    return problems
