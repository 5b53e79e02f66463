"""Every judgement the marts state must rest on a test within one comparable series and never
across a break (Universal Credit per council, COVID-19, Breathing Space, the 2021 DRO change),
at one confidence level, on the measure tested; monthly series are never judged by a test
labelled Fingertips'; every page of the built site must state the same judgement as the marts
and show figures as the display rules say (ranges as ranges, digits that tell values apart,
units as defined, ties as ties, no count of 1 to 4, notes and weights beside the figures)."""

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
        # breaks (int_series_breaks, from the seeds): no verdict's tested window may contain one
        "status across a break": """
            select p.mission_id, p.indicator_id, p.la_code, b.break_id, p.tested_from, p.tested_to
            from marts.fct_mission_progress p
            join intermediate.int_series_breaks b on b.indicator_id = p.indicator_id and b.la_code = p.la_code
            where p.status != 'cannot be assessed' and p.p_value is not null
              and b.break_to >= p.tested_from and b.break_from <= last_day(p.tested_to)
        """,
        "trend or change across a break": """
            select t.indicator_id, t.area_code, t.period, b.break_id
            from intermediate.int_indicator_trends t
            join marts.fct_indicator_values v on v.indicator_id = t.indicator_id and v.area_code = t.area_code
                and v.period = t.period
            join intermediate.int_series_breaks b on b.indicator_id = t.indicator_id
                and b.la_code = coalesce(v.la_code, '*')
            where (t.trend != 'Cannot be assessed' or t.change_direction is not null)
              and b.break_to >= t.tested_from and b.break_from <= coalesce(v.period_end, v.period_start)
        """,
        "gap verdict across a break": """
            select g.indicator_id, g.la_code, g.period, b.break_id
            from marts.fct_inequality g
            join (select distinct indicator_id, period, period_start, period_end from marts.fct_indicator_values) v
                using (indicator_id, period)
            join intermediate.int_series_breaks b on b.indicator_id = g.indicator_id and b.la_code = g.la_code
            where g.gap_trend in ('gap narrowing', 'gap widening', 'no significant change')
              and (g.gap_tested_from is null
                   or (b.break_to >= g.gap_tested_from and b.break_from <= coalesce(v.period_end, v.period_start)))
        """,
        # monthly and quarterly series: never judged as if months were independent years
        "monthly series judged by a test labelled Fingertips'": """
            select indicator_id, area_code, period, trend_method from intermediate.int_indicator_trends
            where regexp_matches(period, '^[0-9]{{4}}-([0-9]{{2}}|Q[1-4])$')
              and (trend_method ilike '%fingertips%' or trend_method ilike '%last 12%'
                   or change_method ilike '%fingertips%')
            union all
            select indicator_id, la_code, period, gap_test_method from marts.fct_inequality
            where regexp_matches(period, '^[0-9]{{4}}-([0-9]{{2}}|Q[1-4])$')
              and (gap_test_method ilike '%fingertips%' or gap_test_method ilike '%last 12%')
        """,
        "status at another confidence level than 99.8%": """
            select mission_id, indicator_id, test_method, gap_test_method from marts.fct_mission_progress
            where (test_method is not null and test_method not like '%99.8% confidence%')
               or (gap_test_method is not null and gap_test_method not like '%99.8% confidence%')
               or status_reason like '%95% confidence%'
        """,
        "gap verdict on a measure never tested": """
            select indicator_id, la_code, period, measure, gap_trend from marts.fct_inequality
            where measure != 'sii_quintiles'
              and (gap_trend in ('gap narrowing', 'gap widening', 'no significant change') or gap_p_value is not null)
        """,
        "status sentence without its window": """
            select mission_id, indicator_id, status_reason from marts.fct_mission_progress
            where status != 'cannot be assessed' and p_value is not null
              and (window_from is null or window_to is null
                   or not contains(status_reason, window_to)
                   or not (contains(status_reason, window_from)
                           or (test_method like '%trend%' and status_reason like '%over the last 5 points, from %')))
        """,
        "break not noted beside the figures it bears on": """
            select v.indicator_id, v.area_code, v.period, b.break_id
            from marts.fct_indicator_values v
            join intermediate.int_series_breaks b on b.indicator_id = v.indicator_id and b.la_code = coalesce(v.la_code, '*')
            where coalesce(v.period_end, v.period_start) >= b.break_from
              and (b.persists or v.period_start <= b.break_to)
              and not contains(coalesce(v.series_note, ''), b.break_text)
        """,
        "claimant indicator without a Universal Credit break": """
            select i.indicator_id, c.la_code
            from marts.dim_indicator i
            cross join (select distinct la_code from marts.dim_ward) c
            where i.indicator_id like 'claimant%' and not exists (
                select 1 from marts.dim_series_note n
                where n.indicator_id = i.indicator_id and n.la_code = c.la_code and n.kind = 'break'
                  and n.note ilike '%Universal Credit full service%')
        """,
        # display rules held by the marts
        "ward count of 1 to 4 shown": """
            select indicator_id, area_code, period, numerator from marts.fct_indicator_values
            where area_type = 'ward' and round(numerator, 6) > 0 and round(numerator, 6) < 5  -- as the rule rounds
        """,
        "estimated count printed as exact": """
            select indicator_id, area_code, period, numerator, count_shown from marts.fct_indicator_values
            where numerator > 0
              and (count_is_estimate or abs(numerator - round(numerator)) > 1e-6)
              and count_shown not like '%(estimated)'
        """,
        "tied values ranked apart": """
            select indicator_id, period, la_code, value, count(distinct rank_in_la) as ranks
            from marts.fct_indicator_values
            where area_type = 'ward' and value is not null
            group by all having count(distinct rank_in_la) > 1
        """,
        "adult rate in units of people": """
            select indicator_id, title, unit from marts.dim_indicator
            where (title ilike '%adults%' or definition ilike '%aged 18 and over%')
              and unit like 'per %' and unit not like '%adults%'
        """,
        "a comparison beside a reason it cannot be made": """
            select indicator_id, area_code, period, compared_to_la, comparison_reason from marts.fct_indicator_values
            where compared_to_la in {judged} and comparison_reason is not null
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


def council_sections(con: duckdb.DuckDBPyConnection, site_dir: Path) -> list[tuple[str, Path]]:
    """Each council of the build with the folder of its site section (the site itself for one council)."""
    from dagster_project.sitegen.data import slugify

    names = con.execute("select la_code, min(la_name) from marts.dim_ward group by la_code order by la_code").fetchall()
    if len(names) == 1:
        return [(names[0][0], site_dir)]
    return [(code, site_dir / slugify(name)) for code, name in names]


def every_council(check, con: duckdb.DuckDBPyConnection, site_dir: Path) -> list[str]:
    """`check` (display_problems or page_disagreements) run on every council's section, each problem
    prefixed with the council's code on a multi-council site."""
    sections = council_sections(con, site_dir)
    return [f"{code}: {p}" if len(sections) > 1 else p
            for code, section in sections for p in check(con, section, code)]


def display_problems(con: duckdb.DuckDBPyConnection, site_dir: Path, council: str | None = None) -> list[str]:
    """What a built site shows, checked against the display rules: breaks noted on every claimant
    indicator page; ranges shown as ranges on the mission and home pages; ward figures that differ
    look different on indicator pages; no adult rate "per 10,000 people"; weights stated where
    the figure appears; the home and mission pages say how many indicators can be judged."""
    from dagster_project.sitegen.formatting import format_interval

    problems: list[str] = []
    council = council or con.execute("select min(la_code) from marts.dim_ward").fetchone()[0]
    for (indicator_id,) in con.execute(
            "select distinct indicator_id from marts.dim_series_note where kind = 'break' and note ilike '%Universal Credit%' "
            "and la_code = ?", [council]).fetchall():
        page = site_dir / "indicators" / indicator_id / "index.html"
        if page.exists() and "Universal Credit" not in _text(page.read_text(encoding="utf-8")):
            problems.append(f"indicator page {indicator_id} does not mention Universal Credit")
    ranges = con.execute(
        """
        select p.mission_id, p.indicator_id, p.latest_lower_bound, p.latest_upper_bound, i.unit
        from marts.fct_mission_progress p join marts.dim_indicator i using (indicator_id)
        where p.la_code = ? and p.latest_value is null and p.latest_lower_bound is not null
        """, [council]).fetchall()
    home = _text((site_dir / "index.html").read_text(encoding="utf-8"))
    for mission_id, indicator_id, lower, upper, unit in ranges:
        text = format_interval(lower, upper, unit)
        mission = _text((site_dir / "missions" / mission_id / "index.html").read_text(encoding="utf-8"))
        for where, said in ((f"mission page {mission_id}", mission), ("home page", home)):
            if text not in said:
                problems.append(f"{where}: {indicator_id}'s range {text} is not shown")
    missions = [m for (m,) in con.execute(
        "select distinct mission_id from marts.fct_mission_progress where la_code = ?", [council]).fetchall()]
    said_where = [(f"mission page {m}", _text((site_dir / "missions" / m / "index.html").read_text(encoding="utf-8")))
                  for m in missions]
    for where, said in said_where + ([("home page", home)] if missions else []):
        if not re.search(r"\d+ of (the )?\d+ (mission indicators )?can be judged", said):
            problems.append(f"{where} does not say how many mission indicators can be judged")
    gaps = con.execute("select count(distinct indicator_id) from marts.fct_inequality where la_code = ? "
                       "and measure = 'sii_quintiles'", [council]).fetchone()[0]
    if gaps and not re.search(r"\d+ of the \d+ indicators with a measure of the gap [^.;]*can be judged", home):
        problems.append("home page does not say how many gaps between wards can be judged")
    latest = con.execute(
        """
        select indicator_id, count(distinct round(value, 4)) as values, min(ward_names) as wards
        from (
            select v.indicator_id, v.value, count(*) over (partition by v.indicator_id) as ward_names
            from marts.fct_indicator_values v
            where v.area_type = 'ward' and v.la_code = ? and v.value is not null
            qualify v.period = last_value(v.period) over (partition by v.indicator_id order by v.period_start
                rows between unbounded preceding and unbounded following)
        ) group by indicator_id
        """, [council]).fetchall()
    names = {n for (n,) in con.execute("select ward_name from marts.dim_ward where la_code = ?", [council]).fetchall()}
    for indicator_id, distinct, _ in latest:
        page = site_dir / "indicators" / indicator_id / "index.html"
        if not page.exists():
            continue
        raw = page.read_text(encoding="utf-8")
        for table in re.findall(r"<table.*?</table>", raw, flags=re.S):
            rows = [[_text(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)]
                    for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[-1], flags=re.S)]
            shown = {r[1] for r in rows if len(r) > 1 and r[0] in names and re.match(r"^-?[\d,.]+", r[1])}
            if len(rows) >= len(names) and shown and len(shown) < min(distinct, len(rows)):
                problems.append(f"indicator page {indicator_id}: {distinct} different ward values print as {len(shown)}")
                break
        text = _text(raw)
        adult = con.execute("select unit from marts.dim_indicator where indicator_id = ?", [indicator_id]).fetchone()
        if adult and "adults" in (adult[0] or "") and "per 10,000 people" in text:
            problems.append(f"indicator page {indicator_id} says 'per 10,000 people' for a rate per adult")
    tied = con.execute(
        "select area_code, rank_in_la from marts.fct_indicator_values "
        "where area_type = 'ward' and rank_in_la is not null and la_code = ? "
        "group by all having bool_and(n_tied > 1)", [council]).fetchall()
    for ward_code, rank in tied:
        page = site_dir / "wards" / ward_code / "index.html"
        if not page.exists():
            continue
        suffix = "th" if 10 <= rank % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
        if re.search(rf"(?<!joint )\b{rank}{suffix} highest of", _text(page.read_text(encoding="utf-8"))):
            problems.append(f"ward page {ward_code}: a tied rank {rank}{suffix} is not called joint")
    problems += _ward_page_problems(con, site_dir, council)
    for indicator_id, note in con.execute(
            "select distinct indicator_id, weight_note from marts.fct_indicator_values where weight_note is not null").fetchall():
        page = site_dir / "indicators" / indicator_id / "index.html"
        if page.exists() and note not in _text(page.read_text(encoding="utf-8")):
            problems.append(f"indicator page {indicator_id} does not state its weights ({note})")
    return problems



def _ward_page_problems(con: duckdb.DuckDBPyConnection, site_dir: Path, council: str) -> list[str]:
    """On each ward page's spine rows: a council figure that is a range is shown as that range, and
    the ward's and the council's figures print differently wherever they differ (to 4 dp)."""
    from dagster_project.sitegen.formatting import format_interval

    problems = []
    rows = con.execute(
        """
        with latest as (
            select area_code, indicator_id, period, value from marts.fct_indicator_values
            where area_type = 'ward' and la_code = ? and (value is not null or value_lower_bound is not null)
            qualify row_number() over (partition by area_code, indicator_id order by period_start desc) = 1
        )
        select w.area_code, w.indicator_id, w.value, c.value, c.value_lower_bound, c.value_upper_bound, i.unit
        from latest w
        join marts.fct_indicator_values c
            on c.indicator_id = w.indicator_id and c.period = w.period and c.area_type = 'la' and c.area_code = ?
        join marts.dim_indicator i on i.indicator_id = w.indicator_id
        """, [council, council]).fetchall()
    pages: dict[str, dict[str, list[str]]] = {}
    for ward, indicator_id, value, council_value, lower, upper, unit in rows:
        if ward not in pages:
            path = site_dir / "wards" / ward / "index.html"
            raw = path.read_text(encoding="utf-8") if path.exists() else ""
            if not raw:
                problems.append(f"ward page {ward} is missing")
            pages[ward] = {m.group(1): [_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", m.group(2), flags=re.S)]
                           for m in re.finditer(r'<tr><th scope="row"><a href="[^"]*indicators/([^/"]+)/[^"]*">'
                                                r'.*?</th>(.*?)</tr>', raw, flags=re.S)}
        cells = pages[ward].get(indicator_id)
        if not cells or len(cells) < 2:
            continue
        ends = re.fullmatch(r"(.+?) to (.+?)", cells[1])
        if council_value is None and lower is not None and (
                not ends or (round(lower, 4) != round(upper, 4) and ends.group(1) == ends.group(2))):
            problems.append(f"ward page {ward}: {indicator_id}'s council range {format_interval(lower, upper, unit)} "
                            f"is shown as {cells[1]!r}")
        if (value is not None and council_value is not None and round(value, 4) != round(council_value, 4)
                and cells[0] == cells[1]):
            problems.append(f"ward page {ward}: {indicator_id} prints the ward and the council alike ({cells[0]})")
    return problems

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


def page_disagreements(con: duckdb.DuckDBPyConnection, site_dir: Path, council: str | None = None) -> list[str]:
    """Every place a built site states a mission status, a direction or a gap verdict, checked
    against fct_mission_progress (the site's council): the home page's table and callouts, each
    mission page's table and callouts, and each indicator page's mission line.
    The gap verdict of every indicator is checked on the home page, every ward page, its indicator
    page and each mission table against the one headline verdict (fct_inequality.is_gap_headline).
    Returns the disagreements (empty when the pages and the warehouse say the same)."""
    council = council or con.execute("select min(la_code) from marts.dim_ward").fetchone()[0]
    rows = con.execute(
        """
        select b.mission_id, m.title, b.indicator_id, i.title,
            coalesce(p.status, 'cannot be assessed'), p.direction, p.gap_direction
        from marts.bridge_mission_indicator b
        join marts.dim_mission m using (mission_id)
        join marts.dim_indicator i using (indicator_id)
        left join marts.fct_mission_progress p on p.mission_id = b.mission_id and p.indicator_id = b.indicator_id
            and p.la_code = $council
        where b.mission_id in (select mission_id from marts.fct_mission_progress where la_code = $council)
        order by b.mission_id, i.domain, b.indicator_id
        """, {"council": council}
    ).fetchall()
    headlines = _headline_gaps(con, council)
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
            expect(f"{mission_id} table gap against the headline, {title}", cells[3] or None,
                   headlines.get(indicator_id, ("cannot be assessed",))[0])
    problems += _gap_disagreements(headlines, site_dir)
    return problems


def _headline_gaps(con: duckdb.DuckDBPyConnection, council: str) -> dict[str, tuple[str, str | None]]:
    """Each indicator with a slope index of inequality for `council`: its headline gap verdict
    (fct_inequality.is_gap_headline) and the window its test covered, in the pages' words."""
    from dagster_project.sitegen.formatting import period_words

    rows = con.execute(
        """
        select g.indicator_id, g.gap_trend, g.gap_test_method is not null, s.period, g.period
        from marts.fct_inequality g
        left join (select distinct indicator_id, segment_id, period, period_start from marts.fct_indicator_values) s
            on s.indicator_id = g.indicator_id and s.segment_id = g.segment_id and s.period_start = g.gap_tested_from
        where g.la_code = ? and g.is_gap_headline
        """, [council]).fetchall()
    return {i: (trend.lower(), f"{period_words(first)} to {period_words(last)}") if tested else ("cannot be assessed", None)
            for i, trend, tested, first, last in rows}


def _gap_line_verdicts(page: str) -> dict[str, tuple[str, str]]:
    """The verdicts a page's gap lines ("Is the gap closing in ...?") state: indicator -> (verdict, window)."""
    found = {}
    for line in re.findall(r'<p class="gap-line">(.*?)</p>', page, flags=re.S):
        for m in re.finditer(r'<a href="[^"]*indicators/([^/"]+)/[^"]*">.*?</a>:\s*([^(;]*?)\s*\(tested from (.*?) to (.*?)\)',
                             line, flags=re.S):
            found[m.group(1)] = (_text(m.group(2)).lower(), f"{_text(m.group(3))} to {_text(m.group(4))}")
    return found


def _gap_disagreements(headlines: dict[str, tuple[str, str | None]], site_dir: Path) -> list[str]:
    """The gap verdict of each indicator as the home page, every ward page and the indicator page
    state it, against the headline verdict (one per indicator and council) and its window: a
    page that states another period's verdict disagrees, and so does a home page without a
    verdict that stands (a ward page lists only the headings its ward has figures under)."""
    problems = []
    tested = {i for i, (_, window) in headlines.items() if window}
    pages = [("home page", site_dir / "index.html", tested)] + [
        (f"ward page {p.parent.name}", p, set()) for p in sorted((site_dir / "wards").glob("*/index.html"))]
    for where, path, required in pages:
        said = _gap_line_verdicts(path.read_text(encoding="utf-8"))
        for indicator_id in sorted(set(said) | required):
            wanted = headlines.get(indicator_id, ("no gap measure", None))
            if said.get(indicator_id) != wanted:
                problems.append(f"{where}, gap of {indicator_id}: the page says {said.get(indicator_id)!r}, "
                                f"the headline {wanted!r}")
    for indicator_id, wanted in headlines.items():
        path = site_dir / "indicators" / indicator_id / "index.html"
        if not path.exists():
            continue
        page = path.read_text(encoding="utf-8")
        callout = [c for c in _callouts(page) if c.startswith("Gap between the most and least deprived wards: ")]
        window = re.search(r"This verdict is for the gap from (.*?) to (.*?), tested by", _text(page))
        said = (callout[0].split(": ", 1)[1].lower() if callout else None,
                f"{window.group(1)} to {window.group(2)}" if window else None)
        if said != wanted:
            problems.append(f"indicator page {indicator_id}, gap: the page says {said!r}, the headline {wanted!r}")
    return problems
