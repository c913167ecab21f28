"""Offline intent router: a linear classifier over character and word n-grams, trained at
start-up from the utterance bank, plus a few high-precision rules (refusals first).

Deterministic: same bank → same model → same routing. No network, no model weights.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, make_pipeline

from assistant.text import normalize, one_edit, strip_accents

Audience = Literal["customer", "operator"]

# Intents that are not tools.
NON_TOOL_INTENTS = frozenset(
    {
        "greeting",
        "capabilities",
        "thanks",
        "out_of_scope",
        "other_customer",
        "write_request",
        "identify",
        "clarify",
    }
)

# Prompt injection / jailbreak / role-play attempts, in Portuguese and English (text is normalised: no accents).
_INJECTION = re.compile(
    r"\b(?:ignor\w*|esquec\w*|esqueca|desconsider\w*|descart\w*|desobedec\w*|burl\w*|contorn\w*)\b.{0,50}"
    r"\b(?:instruc\w*|regras?|orientac\w*|comandos?|restric\w*|anteriores|tudo|previous|prompt|politicas?|limites?|"
    r"diretrizes|programacao|protocolos?)|"
    r"\b(?:disregard|ignore (?:all|previous|the above)|jailbreak|dan mode|developer mode|override|bypass|sudo|"
    r"root access|prompt injection)\b|"
    r"\bmodo (?:desenvolvedor|dev|admin\w*|debug|deus|root|sem (?:filtros?|restric\w*|limites?)|irrestrito|manutencao|teste)\b|"
    r"\bsem (?:filtros?|restric\w*|censura)\b|"
    r"\bvoce (?:agora )?(?:e|sera|vai ser|passa a ser|virou) (?:um |o |a |uma |meu |minha )?"
    r"(?:admin\w*|root|desenvolvedor|sistema|dba|hacker|atendente interno|gerente|banco de dados|terminal|outro (?:assistente|bot))\b|"
    r"\b(?:finj\w*|fingir|finge|faz de conta|faca de conta|imagin\w* que (?:voce|vc|eu)|suponha que (?:voce|eu)|"
    r"se passe por|se passar por|atue como|aja como|act as|pretend|role ?-?play|interprete o papel|simul\w* (?:ser|que)|"
    r"vamos (?:fazer|brincar de|jogar) (?:um )?(?:jogo|de conta|rpg))\b|"
    r"\b(?:system prompt|prompt (?:do|de) sistema|seu prompt|suas instrucoes|instrucoes (?:internas|do sistema|originais|ocultas|secretas)|"
    r"regras internas|(?:repita|mostre|revele|imprima|exiba|copie|diga) (?:o |a |seu |sua |suas |as |os )?"
    r"(?:prompt|instruc\w*|regras|configurac\w*|codigo))\b|"
    r"\[(?:system|sistema|admin)\]|<\s*/?\s*(?:system|admin)\s*>|#\s*admin"
)
# Bulk or other people's data: "liste todos os clientes", "dados de todos os consumidores", "quais clientes moram na rua".
_BULK = re.compile(
    r"\b(?:liste|listar|lista|list|mostre|mostrar|mostra|me passa|passa|me de|me da|exporte|exportar|exiba|exibir|traga|"
    r"baixar|baixe|extraia|extrair|envie|mande|show|dump|give me)\b.{0,30}\b(?:todos|todas|all|every|cada)\b.{0,15}"
    r"\b(?:clientes|usuarios|instalacoes|cpfs|consumidores|titulares|cadastros?|consumos|faturas|contas|customers|users|clients|dados)\b|"
    r"\b(?:dados|consumos?|contas?|faturas?|cpfs?|telefones?|nomes?|enderecos?)\b.{0,10}\b(?:de|dos|das) (?:todos|todas|outros|outras)\b.{0,10}"
    r"\b(?:clientes|usuarios|consumidores|instalacoes|titulares|pessoas|moradores|vizinhos)\b|"
    r"\b(?:base|tabela|cadastro|lista|planilha|banco de dados) (?:de|dos|com os) (?:clientes|consumidores|usuarios|titulares)\b|"
    r"\b(?:quais|quem sao|quantos|que) (?:os )?(?:clientes|consumidores|moradores|vizinhos|titulares|pessoas)\b.{0,40}"
    r"\b(?:moram|morando|residem|rua|bairro|predio|condominio|perto|regiao|cidade|quadra)\b|"
    r"\bcustomer(?:s| table| data)\b"
)
# Personal data of someone: CPF, phone, name, address, e-mail of the titular / another client.
_PERSONAL = re.compile(
    r"\b(?:cpfs?|rg|telefones?|celular(?:es)?|whatsapp|numeros? de (?:telefone|celular)|enderecos?|e-?mails?|nomes?|"
    r"data de nascimento|dados (?:pessoais|cadastrais))\b.{0,40}"
    r"\b(?:d[oa]s?|de) (?:outr[oa]s? |algum |alguma |um |uma |cada |esse |essa |este |esta )?"
    r"(?:titular|titulares|dono|dona|donos|cliente|clientes|consumidor\w*|morador\w*|pessoa|pessoas|outr[oa]s?|vizinh\w*|"
    r"quem\b|instalac\w* \d|uc \d|usuario\w*|inquilin\w*|proprietari\w*|\d{7,})\b|"
    r"\bquem (?:e|eh|sao) (?:o |a |os |as )?(?:titular\w*|dono|dona|donos|morador\w*|responsavel|proprietari\w*)\b|"
    r"\b(?:cpf|rg)s?\s+(?:d[oa]|de)\s+(?!(?:minha|meu|titular|conta|fatura|instalacao|cadastro)\b)[a-z]{3,}"
)
# "o telefone da Maria Souza": a data word followed by a capitalised name (checked on the accent-free, case-kept text).
_PERSONAL_NAMED = re.compile(
    r"\b(?:cpf|CPF|rg|RG|telefone|celular|whatsapp|endereco|e-?mail|nome)s?\s+(?:d[oa]|de)\s+"
    r"(?!(?:Minha|Meu|CPFL|Cpfl|ANEEL|Aneel|PROCON|Procon|SAC)\b)[A-Z][a-z]{2,}"
)
# The copilot may list installations (no personal data) but never names, CPFs, phones or addresses.
_PERSONAL_BULK = re.compile(
    r"\b(?:cpfs?|telefones?|celular(?:es)?|nomes?|enderecos?|e-?mails?|dados pessoais|dados cadastrais)\b.{0,25}"
    r"\b(?:todos|todas|clientes|consumidores|titulares|moradores|usuarios)\b|\bcustomers\b|\btabela customers\b"
)
_OWN_ONLY = re.compile(r"\b(?:minha|meu) (?:conta|instalacao|casa|cadastro|fatura|uc)\b")
_SQLISH = re.compile(
    r"\bselect\b.{1,80}\bfrom\b|\bunion\b.{0,20}\bselect\b|\bdrop\s+(?:table|view|schema|database)\b|\binsert\s+into\b|"
    r"\bdelete\s+from\b|\bupdate\s+\w+\s+set\b|;\s*-{2}|\bor\s+1\s*=\s*1\b|\btruncate\s+\w+|\balter\s+table\b"
)
_AUTHORITY = re.compile(
    r"\b(?:sou|eu sou|falo como|aqui e|aqui quem fala e|como|na qualidade de) (?:o |a |um |uma )?(?:"
    r"(?:admin\w*|desenvolvedor|dev|root|suporte|gerente|supervisor|diretor|auditor|policial|delegado|juiz|"
    r"responsavel pelo sistema|dono do sistema|programador)\b|"
    r"(?:funcionari\w*|tecnico|atendente|operador|analista|engenheir\w*|colaborador\w*)\b.{0,20}"
    r"\b(?:cpfl|distribuidora|empresa|interno|sistema|concessionaria|autorizad\w*))"
)
_OTHER_PERSON = re.compile(
    r"\b(?:vizinh\w*|outra pessoa|outras pessoas|outro cliente|outros clientes|outra casa|outra instalacao|outro cpf|"
    r"outro titular|de terceiros|terceiro|casa ao lado|apartamento ao lado|ex-?(?:mulher|marido|esposa|namorad\w*)|"
    r"(?:do|da|de) (?:meu|minha|nosso|nossa) (?:irma\w*|pai|mae|primo|prima|tio|tia|avo|avos|amig\w*|chefe|patrao|patroa|"
    r"sogr\w*|cunhad\w*|genro|nora|filh\w*|namorad\w*|esposa|marido|mulher|colega|inquilin\w*|sobrinh\w*|padrasto|madrasta|"
    r"enteado|enteada|socio|socia|funcionari\w*|empregad\w*|parente\w*|familia)|"
    r"(?:do|da) (?:fulano|fulana|ciclano|beltrano)|de quem mora)\b|"
    r"\bquanto (?:o |a )?(?:meu|minha|nosso|nossa) (?:irma\w*|pai|mae|primo|prima|tio|tia|avo|avos|amig\w*|chefe|patrao|"
    r"patroa|sogr\w*|cunhad\w*|genro|nora|filh\w*|namorad\w*|esposa|marido|colega|inquilin\w*|sobrinh\w*|vizinh\w*)\b"
    r".{0,12}\b(?:gastou|gasta|consumiu|consome|pagou|paga|usou|deve)\b"
)
_OTHER_UNIT = re.compile(
    r"\b(?<!meu )(?<!minha )(?:apto|apartamento|ap|casa|loja|sala|lote|bloco|unidade)\s*(?:n\s*)?\d{1,6}\b"
)
_ASKS_DATA = re.compile(
    r"consum\w*|\bconta\b|contas|fatura\w*|dados|instalac\w*|medidor\w*|leitura\w*|gast\w*|\bcpf|telefone|endereco|"
    r"\bnome\b|\bkwh\b|\bpag\w*|saldo|creditos|\bcadastr\w*|\buc\b|\bcliente\w*|titular\w*|debito|divida|valor"
)
# Comparisons with anonymous aggregates ("média dos vizinhos", "casas parecidas") are not someone else's data.
_AGGREGATE_COMPARISON = re.compile(
    r"\b(?:medi[ao]|mediana|comparad\w*|compar\w*|mais (?:do )?que|menos (?:do )?que|maior|menor|mais alt[oa]|mais baix[oa]|"
    r"acima|abaixo|parecid\w*|semelhant\w*|igual|normal)\b"
    r".{0,30}\b(?:vizinh\w*s|outr[oa]s (?:casas|clientes|residencias|pessoas|consumidores))\b|"
    r"\b(?:vizinh\w*s|outr[oa]s (?:casas|clientes|residencias))\b.{0,20}\b(?:medi[ao]|mediana|parecid\w*|semelhant\w*|compar\w*)\b"
)
# Words that make a classifier-only "other_customer" guess plausible (else the next guess is used).
_RISK = re.compile(
    r"vizinh|\boutr[oa]s? (?:pessoa|cliente|casa|instalac|cpf|titular|uc|unidade|conta|endereco)|terceir|\btod[oa]s? (?:os|as) "
    r"(?:clientes|consumidores|usuarios|instalacoes|cpfs)|instruc|\bregras\b|\bsistema\b|admin|prompt|restric|"
    r"\bcpfs?\b.{0,20}\b(?:d[oa]|de)\b|\bdados (?:de|do|da|dos|das)\b|\btitular\b|\bdono\b|\bdona\b"
)
# Asking how to change one's own registration ("como mudar o nome do titular") is a process question.
_PROCESS = re.compile(
    r"\b(?:mudar|mudo|muda|trocar|troco|alterar|altero|transferir|transfiro|atualizar|atualizo|corrigir|colocar|passar|"
    r"incluir|cadastrar)\b.{0,30}\b(?:nome|titular|titularidade|cadastro|telefone|endereco|e-?mail|cpf)"
)
# GD credits may be shared with one's own other units (autoconsumo remoto): a rule question, not someone's data.
_SHARING_OWN = re.compile(
    r"\b(?:meus|os meus|minhas) creditos\b|\b(?:transferir|transfiro|usar|uso|compartilhar|dividir|mandar|passar|abater)\b.{0,30}\bcreditos\b"
)

# Writes in the copilot: an imperative/infinitive action verb at the start, after politeness.
_POLITE = re.compile(
    r"^(?:(?:por favor|pfv|pf|favor|copiloto|ei|oi|ola|bom dia|boa tarde|boa noite|agora|rapido|urgente|ok|entao)\s*)*"
    r"(?:(?:voce |vc )?(?:pode|poderia|podia|consegue|conseguiria|da para|daria para|tem como|dava para)\s+|"
    r"(?:eu )?(?:quero|preciso|gostaria|necessito)\s+(?:que (?:voce |vc )?)?|(?:favor|por favor)\s+|vamos\s+)?"
)
_WRITE_VERB = re.compile(
    r"^(?:deslig\w*|religu\w*|religar|religa|religa-|altere|alterar|altera|alteracao|mude|mudar|muda|troque|trocar|"
    r"apague|apagar|apaga|delete|deletar|deleta|remova|remover|remove|exclua|excluir|exclui|atualize|atualizar|"
    r"insira|inserir|insere|inclua|incluir|zere|zerar|zera|cadastre|cadastrar|crie|criar|cria|corrija|corrigir|corrige|"
    r"ajuste|ajustar|edite|editar|edita|marque|marcar|marca|desmarque|feche|fechar|fecha|encerre|encerrar|encerra|"
    r"bloqueie|bloquear|bloqueia|desbloqueie|desbloquear|suspenda|suspender|suspende|reset\w*|reinici\w*|execute|executar|"
    r"cancele|cancelar|cancela|aprove|aprovar|conceda|conceder|transfira|transferir|registre|registrar|lance|lancar|"
    r"estorne|estornar|credite|creditar|pague|pagar|envie (?:uma |um )?(?:equipe|comando|tecnico|ordem)|mande (?:uma |um )?(?:equipe|comando|tecnico|ordem)|"
    r"emita|emitir|abra (?:uma |um )?(?:ordem|os|chamado)|abrir (?:uma |um )?(?:ordem|os|chamado)|"
    r"(?:gere|gerar|gera) (?:uma |um )?(?:ordem|os|comando|corte|religacao)|"
    r"(?:corte|corta|cortar) (?:a |o |os |as )?(?:energia|luz|fornecimento|cliente|instalac\w*|medidor|uc)|"
    r"drop|update|insert|truncate|grant|revoke|alter)\b"
)
_SQL_WRITE = re.compile(
    r"\b(?:update\s+\w+\s+set|insert\s+into|delete\s+from|drop\s+(?:table|view|schema|database)|truncate\s+\w+|"
    r"alter\s+table|create\s+(?:table|view|index)|grant\s+\w+|revoke\s+\w+)\b"
)
_WRITE_ANYWHERE = re.compile(
    r"\bcomo (?:resolvid\w*|lid\w*|fechad\w*|concluid\w*|atendid\w*)\b|\bordem de (?:corte|religacao|desligamento)\b"
)

# deadline_status needs a request of the customer's own; otherwise a deadline question is a rule question.
_OWN_REQUEST = re.compile(
    r"\b(?:meu|minha|o meu|a minha) (?:pedido|solicitacao|protocolo|religacao|ligacao|reclamacao|vistoria|chamado|"
    r"ressarcimento|servico|ordem)|\bja paguei\b|\bpaguei\b|\bpedi\b|\bsolicitei\b|\babri\b|\bfiz (?:um|uma|o|a) "
    r"(?:pedido|reclamacao|solicitacao)|\bstatus\b|\bandamento\b|\bacompanhar\b|\batrasad|\bnao (?:vieram|veio|voltou|religaram|"
    r"apareceu|apareceram)\b|\bate agora\b|\bainda nao\b|\bestao demorando\b|\bperdeu o prazo\b|\bvenceu\b"
)
# "posso usar meus créditos em outra casa?": a rule question (autoconsumo remoto), not the balance.
_CREDIT_RULE = re.compile(
    r"\b(?:posso|pode|podem|da para|e possivel|consigo|tem como|como)\b.{0,20}\b(?:usar|transferir|compartilhar|aproveitar|"
    r"mandar|passar|abater|dividir|levar|utilizar)\b.{0,40}\bcredit"
)
# Domain vocabulary: a question with none of these words cannot be about the customer's energy.
_DOMAIN = re.compile(
    r"energ|eletric|\bluz\b|kwh|quilowat|\bwatts?\b|consum|\bgast|\bconta\b|contas|fatura|boleto|tarif|bandeira|tensao|"
    r"voltagem|medidor|relogio|leitura|chuveir|banho|geladeira|freezer|ar-condicionado|\bar\b|aparelho|eletrodomest|"
    r"equipamento|lampada|tomada|disjuntor|standby|solar|placas?\b|paine|credito|injet|injec|geracao|gerou|geraram|gerando|"
    r"compens|desconto|ressarc|religa|ligacao|\bcort|suspens|falt|queda|caiu|cairam|cai\b|acabou|acaba|interrup|apagao|"
    r"oscil|pisca|fraca|fraco|queim|icms|\bpis\b|cofins|\bcip\b|cosip|iluminacao|imposto|tusd|\bte\b|fio b|baixa renda|"
    r"tarifa social|cpfl|distribuidora|concessionaria|aneel|prodist|\bren\b|pag|preco|multa|juros|atras[ao]|prazo|protocolo|"
    r"reclam|atendente|atendimento|humano|robo|segunda via|parcel|divida|debito|negoci|lgpd|dados|instalac|"
    r"\buc\b|titular|cadastr|ponta|pico|economi|eficien|\bdrp\b|\bdrc\b|\bdic\b|"
    r"\bfic\b|dmic|dicri|trafo|transformador|alimentador|alarme|evento|tampa|fraude|comunic|memoria de massa|armazen|"
    r"nuvem|frota|grupo [ab]\b|medic|demanda|reativ|kw\b|modalidade|convencional|branca|verde|vermelha|amarela|escassez|"
    r"vistoria|inspec|afer|padrao|poste|rede|fornecimento|sem luz|escuro|casa|residencia|apartamento|imovel|"
    r"ciclo|cobr|taxa|custo de disponibilidade|\bfio\b|raio|deslig|ligad|potencia|watt"
)
# The copilot's own vocabulary (fleet, network, operations), on top of the customer one.
_OPERATOR_DOMAIN = re.compile(
    r"carga|curva|client|medidor|instalac|consumidor|comercia|residencia|industria|rural|classe|posto|ranking|indicador|"
    r"perda|regiao|municipio|\bsql\b|consulta|tabela|ordem|pedido|servico|\bsla\b|anexo|custo|dados|leitura|frota|"
    r"\bgd\b|unidade|\bucs?\b|fase|subtensao|sobretensao|limite|violac|viola|estour|exposic|vencend|vencem|venc|"
    r"atrasad|prazo|nuvem|on-premises|on premises|local|armazen|reten|memoria|intervalo|integraliza|trifasic|"
    r"bifasic|monofasic|mudo|mudos|silencios|zerad|completude|percentual|taxa|mwh|gwh|grupo|trafo|\btr-|rede"
)
# Content-free questions ("e aí, quanto foi?"): nothing says what about.
_CONTENT_FREE_WORDS = frozenset(
    "e ai a o os as entao quanto quanta quantos quantas foi deu ficou fica da esta isso aquilo la que te perguntei "
    "falei pedi mesmo ne mas hein ein afinal agora sobre como qual quais disso daquilo ja me diz fala responde resposta "
    "valor total eu voce sim ok bom certo tipo coisa coisas aquela aquele essa esse resultado numero saiu veio dai "
    "entendi nao por favor oi ola".split()
)
_CONTENT_CUES = re.compile(
    r"\b(quanto|quanta|quantos|qual|quais|foi|deu|ficou|saiu|veio|aquilo|isso|resultado|valor|total)\b"
)


def content_free(norm: str) -> bool:
    """A question with a quantity cue and no subject at all (needs a clarifying question or the context)."""
    words = norm.split()
    return (
        0 < len(words) <= 8
        and all(w in _CONTENT_FREE_WORDS for w in words)
        and bool(_CONTENT_CUES.search(norm))
    )


# Stems for the typo-tolerant second look of the domain gate ("cnsumo", "connsumo", "alares").
_DOMAIN_STEMS = tuple(
    """conta gasto gasta luzes energia eletrica eletricidade consumo consumi consome gastei gasto gastar gastando conta fatura boleto tarifa
    bandeira tensao voltagem medidor relogio leitura chuveiro geladeira freezer aparelho eletrodomestico equipamento
    lampada tomada disjuntor standby solar placas painel paineis creditos injetei injetou injecao geracao compensacao
    desconto ressarcimento religacao religar ligacao cortaram suspensao faltou queda caiu acabou interrupcao apagao
    oscila piscando fraca queimou imposto cofins iluminacao distribuidora concessionaria pagar paguei pagamento multa
    juros atrasada protocolo reclamacao atendente atendimento humano parcelar parcelamento divida debito negociar dados
    instalacao titular cadastro economizar economia eficiencia modalidade convencional branca vermelha amarela
    vistoria inspecao afericao fornecimento cobranca alarmes alarme eventos tampa fraude comunicacao memoria
    armazenamento nuvem frota transformador alimentador trafos medidores completude leituras compensacoes
    violacao ranking quilowatts""".split()
)


def _fuzzy_domain(norm: str) -> bool:
    """One typo away from a domain stem (substitutions only for stems of 7+ letters)."""
    for tok in norm.split():
        if len(tok) < 5:
            continue
        for stem in _DOMAIN_STEMS:
            n = len(stem)
            if len(tok) < n - 1:
                continue
            if n < 6:  # short stems: a swapped pair only ("ocnta", "gsato")
                if len(tok) >= n and sorted(tok[:n]) == sorted(stem) and one_edit(tok[:n], stem, False):
                    return True
                continue
            if one_edit(tok[:n], stem, n >= 7) or one_edit(tok[: n + 1], stem, n >= 7):
                return True
    return False


def in_domain(norm: str, audience: str = "customer") -> bool:
    """Does the message use any word of the domain (typo-tolerant)?"""
    if _DOMAIN.search(norm) or (audience == "operator" and _OPERATOR_DOMAIN.search(norm)):
        return True
    return _fuzzy_domain(norm)


def personal_data_request(norm: str, audience: str = "customer", raw: str = "") -> bool:
    """Asks for someone's personal data (CPF, phone, name, address) or for other people's records in bulk."""
    if _PERSONAL_BULK.search(norm) or (audience == "customer" and _BULK.search(norm)):
        return True
    if raw and _PERSONAL_NAMED.search(strip_accents(raw)):
        return True
    if _PROCESS.search(norm) and not re.search(r"\d{7,}|outr|vizinh|quem", norm):
        return False
    return bool(_PERSONAL.search(norm)) and not (
        _OWN_ONLY.search(norm) and not re.search(r"\d{7,}|outr|vizinh", norm)
    )


_READ_OBJECT = re.compile(
    r"^\w+ (?:o |a |os |as |esse |essa )?(?:ranking|lista|relatorio|grafico|painel|tela|pagina|consulta|resultado)\b"
)


def foreign_numbers(norm: str, own_installation: str | None) -> list[str]:
    """Installation-like numbers that are not the customer's own (nor a protocol or their phone)."""
    return [
        m.group(0)
        for m in re.finditer(r"\b\d{7,15}\b", norm)
        if m.group(0) != own_installation
        and not re.search(
            r"(?:protocolo|pedido|solicitacao|chamado|ordem|telefone|celular|numero|whatsapp|fone|zap)\D{0,12}$",
            norm[: m.start()],
        )
    ]


def is_write(norm: str) -> bool:
    rest = _POLITE.sub("", norm, count=1).strip()
    if _READ_OBJECT.search(rest) and not _SQL_WRITE.search(norm):
        return False
    return bool(_WRITE_VERB.search(rest) or _SQL_WRITE.search(norm) or _WRITE_ANYWHERE.search(norm))


@dataclass(frozen=True, slots=True)
class Route:
    intent: str
    confidence: float
    rule: str = ""  # set when a rule (not the model) decided
    alternatives: tuple[tuple[str, float], ...] = ()


def load_bank(audience: Audience) -> list[tuple[str, str]]:
    """(intent, utterance) pairs from ``assistant/utterances/<audience>.txt``."""
    text = (resources.files("assistant") / "utterances" / f"{audience}.txt").read_text(encoding="utf-8")
    pairs: list[tuple[str, str]] = []
    intent = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            intent = line[1:-1]
            continue
        pairs.append((intent, normalize(line)))
    return pairs


class IntentClassifier:
    """TF-IDF (char 2-5 + word 1-2 grams) → multinomial logistic regression."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        features = FeatureUnion(
            [
                (
                    "chars",
                    TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=1),
                ),
                (
                    "words",
                    TfidfVectorizer(
                        analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"[a-z0-9\-]+"
                    ),
                ),
            ]
        )
        # saga converges in a few hundred ms on this bank (lbfgs takes seconds): start-up stays short.
        clf = LogisticRegression(C=20.0, solver="saga", max_iter=300, tol=1e-3, random_state=0)
        self.model = make_pipeline(features, clf)
        labels = [p[0] for p in pairs]
        with warnings.catch_warnings():  # a loose tolerance is enough for ranking intents
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.model.fit([p[1] for p in pairs], labels)
        self.classes: list[str] = list(self.model.classes_)

    def predict(self, text: str, top: int = 3) -> list[tuple[str, float]]:
        proba = self.model.predict_proba([normalize(text)])[0]
        order = np.argsort(-proba)[:top]
        return [(str(self.classes[i]), float(proba[i])) for i in order]


@cache
def classifier(audience: Audience) -> IntentClassifier:
    return IntentClassifier(load_bank(audience))


class OfflineRouter:
    """Rules for refusals and writes, then the classifier."""

    def __init__(self, audience: Audience) -> None:
        self.audience = audience
        self.clf = classifier(audience)

    def route(self, text: str, own_installation: str | None = None) -> Route:
        s = normalize(text)
        if self.audience == "operator":
            if is_write(s):
                return Route("write_request", 1.0, rule="write_verb")
            if _INJECTION.search(s) or personal_data_request(s, "operator", text):
                return Route("other_customer", 1.0, rule="personal_data")
        else:
            rule = self._customer_refusal(s, own_installation, text)
            if rule:
                return Route("other_customer", 1.0, rule=rule)
        if content_free(s):
            return Route("clarify", 1.0, rule="content_free")
        preds = self.clf.predict(text)
        intent, conf = preds[0]
        if (
            intent == "other_customer"
            and conf < 0.6
            and not (_RISK.search(s) or foreign_numbers(s, own_installation))
        ):
            preds = preds[1:] + [(intent, conf)]
            intent, conf = preds[0]
        if intent == "gd_credits" and _CREDIT_RULE.search(s):
            return Route("search_knowledge", conf, rule="credit_rule", alternatives=tuple(preds[:2]))
        if intent == "deadline_status" and not _OWN_REQUEST.search(s):
            return Route("search_knowledge", conf, rule="no_own_request", alternatives=tuple(preds[:2]))
        if not in_domain(s, self.audience):
            small_talk = intent in ("greeting", "thanks", "capabilities") and conf >= 0.4
            if not small_talk and intent not in (
                "handoff_to_agent",
                "out_of_scope",
                "other_customer",
                "write_request",
            ):
                return Route("out_of_scope", conf, rule="no_domain_term", alternatives=tuple(preds[:2]))
        return Route(intent, conf, alternatives=tuple(preds[1:]))

    @staticmethod
    def _customer_refusal(s: str, own_installation: str | None, raw: str = "") -> str:
        """Which refusal rule fires for a customer message ("" = none). Refusals come before the classifier."""
        if _INJECTION.search(s):
            return "injection"
        if _SQLISH.search(s):
            return "sql"
        if personal_data_request(s, "customer", raw):
            return "personal_data"
        asks_data = bool(_ASKS_DATA.search(s))
        if _AUTHORITY.search(s) and asks_data:
            return "authority_claim"
        numbers = foreign_numbers(s, own_installation)
        if numbers and asks_data and not re.search(r"\b(cpf|final|termina|digitos)\b", s):
            return "other_installation_number"
        if (
            _OTHER_PERSON.search(s)
            and asks_data
            and not _SHARING_OWN.search(s)
            and not _AGGREGATE_COMPARISON.search(s)
        ):
            return "other_person"
        if _OTHER_UNIT.search(s) and asks_data:
            return "other_unit"
        return ""
