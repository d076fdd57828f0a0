"""Seeds a team for the dashboard's browser tests, the way reps work: two
laptops import and record offline through the real kam binary, then sync."""
import csv
import io
import os
import subprocess

kam = os.environ["KAM_BIN"]
server = os.environ["KAM_SERVER"]
work = os.environ["KAM_WORK"]


def laptop(name, token):
    home = os.path.join(work, name)
    run(home, "init", "--server", server, "--token", token)
    return home


def run(home, *args):
    result = subprocess.run([kam, *args, "--home", home], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"kam {' '.join(args)} failed: {result.stderr}")
    return result.stdout


li = laptop("li", os.environ["LI_TOKEN"])
wang = laptop("wang", os.environ["WANG_TOKEN"])
zhao = laptop("zhao", os.environ["MANAGER_TOKEN"])

industries = ["通信", "制造", "化工", "物流", "零售"]
regions = ["华东", "华南", "华北", "西南"]
stages = ["development", "initial", "stable", "strategic"]
shares = ["", "30", "65", "88"]


def accounts_csv(prefix, owner, count):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "industry", "region", "owner", "tier", "stage", "share", "notes"])
    for n in range(1, count + 1):
        s = n % 4
        writer.writerow([f"{prefix}{n:02d} 有限公司", industries[n % 5], regions[n % 4], owner,
                         ["platinum", "gold", "iron", "lead", ""][n % 5], stages[s], shares[s],
                         f"第一行备注 {n}\n第二行: \"引号\", 逗号" if n % 6 == 0 else ""])
    path = os.path.join(work, f"{owner}.csv")
    with open(path, "w", encoding="utf-8-sig") as f:
        f.write(out.getvalue())
    return path


run(li, "account", "import", accounts_csv("华东客户", "li", 24))
run(wang, "account", "import", accounts_csv("华南客户", "wang", 12))

for home, prefix, count in [(li, "华东客户", 24), (wang, "华南客户", 12)]:
    for n in range(1, count + 1):
        name = f"{prefix}{n:02d} 有限公司"
        # Four quarters of share records: every third account falls while its customer's spend holds.
        for q, quarter in enumerate(["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]):
            spend = 1_000_000 + n * 10_000
            ours = (300_000 + n * 20_000) - (q * 60_000 if n % 3 == 0 else -q * 5_000)
            run(home, "share", name, "--period", quarter, "--customer-spend", str(spend), "--our-sales", str(max(ours, 0)))
        if n % 2 == 0:
            run(home, "contact", "add", name, f"王经理{n}", "--title", "采购总监", "--role", "decision-maker")
        if n % 4 == 0:
            run(home, "contact", "add", name, f"李工{n}", "--title", "工程师", "--role", "user")
        if n % 5 == 0:
            run(home, "activity", "log", name, "--kind", "complaint", "--note", f"交货晚了两周 ({n})", "--date", f"2026-11-{n % 28 + 1:02d}")
        if n % 3 == 1:
            run(home, "activity", "log", name, "--kind", "visit", "--note", "季度拜访")
        if n % 7 == 0:
            run(home, "opportunity", "add", name, "--kind", "cost-reduction", "--note", "客户要求降本 5%")

# Stage movements this quarter: forward one step, and back with a reason.
run(li, "stage", "华东客户04 有限公司", "initial", "--share", "20")
run(li, "stage", "华东客户05 有限公司", "development", "--share", "0", "--reason", "lost the annual supplier review")
run(wang, "stage", "华南客户07 有限公司", "initial", "--share", "35", "--reason", "the buyer left")

for home in (li, wang, zhao):
    run(home, "sync")
# An edit conflict for the account page: two laptops change one field offline.
run(li, "account", "set", "华东客户01 有限公司", "--region", "上海")
run(zhao, "account", "set", "华东客户01 有限公司", "--region", "杭州")
for home in (li, zhao, li):
    run(home, "sync")
print("seeded 36 accounts on two laptops and a manager's")
