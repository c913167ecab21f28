"""``smartmeter ask``, ``copilot-ask`` and ``eval``: the assistant from the command line."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path

import click

from assistant import Assistant, AssistantDeps, ChatRequest
from assistant.evaluation import format_report, load_cases, run_eval
from channels.cli import main
from channels.cli.common import echo_json, require_home


def _assistant(ctx: click.Context, today: str | None) -> Assistant:
    deps = AssistantDeps.from_home(require_home(ctx), today=dt.date.fromisoformat(today) if today else None)
    return Assistant(deps)


@main.command("ask")
@click.argument("text")
@click.option("--installation", "installation_id", required=True, help="Identified installation (as an integrator would).")
@click.option("--session", "session_id", default=None, help="Keep the conversation across calls.")
@click.option("--today", default=None, help="Override the data's today (YYYY-MM-DD).")
@click.option("--json", "as_json", is_flag=True, help="Print the chat response (contract) as JSON.")
@click.pass_context
def ask_cmd(ctx: click.Context, text: str, installation_id: str, session_id: str | None, today: str | None, as_json: bool) -> None:
    """One assistant turn for an identified customer."""
    resp = _assistant(ctx, today).chat(
        ChatRequest(text=text, session_id=session_id, channel="cli", installation_id=installation_id)
    )
    if as_json:
        echo_json(resp.to_dict())
    else:
        click.echo(resp.reply)


@main.command("copilot-ask")
@click.argument("text")
@click.option("--session", "session_id", default=None)
@click.option("--today", default=None, help="Override the data's today (YYYY-MM-DD).")
@click.option("--json", "as_json", is_flag=True, help="Print the chat response (contract) as JSON.")
@click.pass_context
def copilot_ask_cmd(ctx: click.Context, text: str, session_id: str | None, today: str | None, as_json: bool) -> None:
    """One operator-copilot turn."""
    resp = _assistant(ctx, today).chat(ChatRequest(text=text, session_id=session_id, channel="cli", audience="operator"))
    if as_json:
        echo_json(resp.to_dict())
    else:
        click.echo(resp.reply)


def _default_set(name: str) -> Path:
    return Path(str(resources.files("assistant") / "eval" / name))


@main.command("eval")
@click.option("--customer-set", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
@click.option("--operator-set", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
@click.option("--retrieval", is_flag=True, help="Also run the knowledge retrieval evaluation.")
@click.option("--heldout", is_flag=True, help="Also run the held-out sets (questions not used to build the router).")
@click.option("--realistic/--no-realistic", default=True, show_default=True,
              help="Also run the realistic sets of ../shared/eval (customer, conversations, operator).")
@click.option("--only", "only", multiple=True,
              help="Run only these sets (repeatable): dev, heldout, customer_realistic, conversations_realistic, "
                   "operator_realistic.")
@click.option("--shared-eval", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder of the realistic sets (default: ../shared/eval beside the repository).")
@click.option("--failures", is_flag=True, help="List every failing case with the reason and the reply.")
@click.option("--today", default=None)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def eval_cmd(ctx: click.Context, customer_set: Path | None, operator_set: Path | None, retrieval: bool,
             heldout: bool, realistic: bool, only: tuple[str, ...], shared_eval: Path | None, failures: bool,
             today: str | None, as_json: bool) -> None:
    """Run the labelled question sets and print, per set and per intent: tool, slots, declines by kind,
    emergencies, handoffs, clarifications, must_say, grounding and latency."""
    from assistant.evaluation import run_realistic, shared_eval_dir
    from tools.api.admin import demo_metadata

    home = require_home(ctx)
    assistant = _assistant(ctx, today)
    meta = demo_metadata(home)
    scen = meta.get("scenarios", {})
    inst = (meta.get("demo_customer") or {}).get("installation_id")
    solar = (scen.get("solar") or [None])[0]
    wanted = set(only)
    out = {}
    if not wanted or "dev" in wanted:
        rep_c = run_eval(assistant, load_cases(customer_set or _default_set("customer_dev.jsonl")), "customer", inst,
                         solar, name="customer_dev")
        out["customer"] = rep_c.summary()
        rep_o = run_eval(assistant, load_cases(operator_set or _default_set("operator_dev.jsonl")), "operator",
                         name="operator_dev")
        out["operator"] = rep_o.summary()
    if heldout or "heldout" in wanted:
        out["customer_heldout"] = run_eval(assistant, load_cases(_default_set("customer_heldout.jsonl")), "customer",
                                           inst, solar, name="customer_heldout").summary()
        out["operator_heldout"] = run_eval(assistant, load_cases(_default_set("operator_heldout.jsonl")), "operator",
                                           name="operator_heldout").summary()
    real_only = [w for w in wanted if "realistic" in w]
    if realistic and (not wanted or real_only):
        folder = shared_eval or shared_eval_dir()
        if folder.is_dir():
            for name, rep in run_realistic(assistant, folder, real_only or None).items():
                out[name] = rep.summary()
        else:
            click.echo(f"(sem conjuntos realistas: {folder} não existe)", err=True)
    if retrieval:
        from assistant.admin import retrieval_eval

        out["retrieval"] = retrieval_eval(home)
    if as_json:
        echo_json(out)
        return
    for key, summary in out.items():
        if key != "retrieval":
            click.echo(format_report(summary, failures=failures))
    if retrieval:
        click.echo(out["retrieval"]["table"])
