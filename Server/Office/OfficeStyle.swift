/// The dashboard's one style sheet, served at `/office/static/office.css`.
/// Pages carry no inline style or script, so the content security policy
/// allows styles from the server alone and no script at all.
enum OfficeStyle {
    static let css = """
        :root { --ink: #1d2433; --muted: #5b6477; --line: #d9dee8; --accent: #1f5fbf; --warn: #9a4d00; --bad: #b42318; --bg: #f6f8fb; }
        * { box-sizing: border-box; }
        html { -webkit-text-size-adjust: 100%; }
        body { margin: 0; color: var(--ink); background: var(--bg);
          font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", "PingFang SC", "Microsoft YaHei", sans-serif; }
        a { color: var(--accent); }
        header.top { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.25rem; padding: .6rem 1.25rem; background: #fff; border-bottom: 1px solid var(--line); }
        .brand { font-weight: 700; color: var(--ink); text-decoration: none; }
        nav { display: flex; flex-wrap: wrap; gap: .25rem .9rem; flex: 1; }
        nav a { color: var(--muted); text-decoration: none; padding: .15rem 0; border-bottom: 2px solid transparent; }
        nav a[aria-current=page] { color: var(--ink); border-color: var(--accent); }
        form.signout { display: flex; align-items: center; gap: .5rem; margin: 0; }
        .who { color: var(--muted); }
        main { max-width: 1200px; margin: 0 auto; padding: 1rem 1.25rem 3rem; }
        h1 { font-size: 1.45rem; margin: .5rem 0 1rem; overflow-wrap: anywhere; }
        h2 { font-size: 1.1rem; margin: 1.75rem 0 .5rem; }
        .cards { display: flex; flex-wrap: wrap; gap: .75rem; margin-bottom: 1rem; }
        .card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .6rem .9rem; min-width: 9rem; }
        .card .n { font-size: 1.5rem; font-weight: 600; display: block; }
        .card .l { color: var(--muted); font-size: .85rem; }
        .table-wrap { overflow-x: auto; background: #fff; border: 1px solid var(--line); border-radius: 6px; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: .45rem .7rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { font-size: .78rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); background: #fafbfd; white-space: nowrap; }
        td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
        tbody tr:last-child td { border-bottom: 0; }
        .note { white-space: pre-wrap; overflow-wrap: anywhere; min-width: 12rem; }
        .flag { color: var(--warn); } .bad { color: var(--bad); } .muted { color: var(--muted); }
        ul.warnings { background: #fff; border: 1px solid var(--line); border-radius: 6px; margin: 0; padding: .6rem 1rem .6rem 2rem; }
        form.filters { display: flex; flex-wrap: wrap; gap: .5rem .75rem; align-items: flex-end; margin-bottom: 1rem; }
        form.filters label { display: flex; flex-direction: column; font-size: .8rem; color: var(--muted); gap: .15rem; }
        input, select, button { font: inherit; padding: .3rem .5rem; border: 1px solid var(--line); border-radius: 4px; background: #fff; color: var(--ink); max-width: 100%; }
        button { cursor: pointer; background: var(--accent); color: #fff; border-color: var(--accent); }
        button.plain { background: #fff; color: var(--ink); border-color: var(--line); }
        .chart { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .5rem .75rem; margin: 0 0 1rem; }
        .chart svg { width: 100%; height: auto; display: block; max-height: 320px; }
        .chart figcaption { color: var(--muted); font-size: .85rem; }
        .chart text { font-size: 13px; fill: var(--ink); font-family: inherit; }
        .chart text.axis { fill: var(--muted); font-size: 11px; }
        .chart line.grid { stroke: var(--line); stroke-width: 1; }
        .bar { fill: var(--accent); }
        .bar.development { fill: #8c959f; } .bar.initial { fill: #5a8dd6; } .bar.stable { fill: #1f5fbf; } .bar.strategic { fill: #123c7a; }
        .tier { stroke: #fff; stroke-width: 2; }
        .tier.platinum { fill: #5b6477; } .tier.gold { fill: #c9a227; } .tier.iron { fill: #7d8fa3; } .tier.lead { fill: #b8c2cc; }
        .pyramid text.tier-label { fill: #0d1117; font-weight: 600; }
        .pager { display: flex; gap: 1rem; }
        .error { background: #fff1f0; border: 1px solid #f3b4ae; color: var(--bad); padding: .6rem .8rem; border-radius: 6px; }
        main.signin { max-width: 30rem; margin: 4rem auto; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1.5rem; }
        main.signin input { width: 100%; }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem; margin: 0; }
        dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
        code { background: #eef1f6; padding: 0 .25rem; border-radius: 3px; }
        @media (max-width: 700px) { main { padding: .75rem; } header.top { padding: .5rem .75rem; } }
        """
}
