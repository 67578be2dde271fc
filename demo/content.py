"""Fixed content of the demo: organisations, register entries, regions, people. Plain data, no database access.

Every text a citizen can read is given in Kazakh, Russian and English. Contact addresses use example.org
(RFC 2606) so that a demo portal can never write to a real ministry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

I18n = dict[str, str]


def t(kk: str, ru: str, en: str) -> I18n:
    return {"kk": kk, "ru": ru, "en": en}


# --------------------------------------------------------------------------------------------------------------
# Organisations

MLSP = "mlsp"
SRC = "src"
REVIEW_BODY = "review-commission"
OMBUDSMAN = "ombudsman"
PORTAL = "portal-operator"


@dataclass(frozen=True)
class OrganisationSpec:
    code: str
    kind: str  # OrganisationKind value
    name: I18n
    contact_email: str
    contact_phone: str
    website: str


ORGANISATIONS: tuple[OrganisationSpec, ...] = (
    OrganisationSpec(
        code=MLSP,
        kind="AGENCY",
        name=t(
            "Қазақстан Республикасы Еңбек және халықты әлеуметтік қорғау министрлігі",
            "Министерство труда и социальной защиты населения Республики Казахстан",
            "Ministry of Labour and Social Protection of the Population of the Republic of Kazakhstan",
        ),
        contact_email="digital-family-card@mlsp.example.org",
        contact_phone="+7 7172 00 01 01",
        website="https://www.gov.kz/memleket/entities/enbek",
    ),
    OrganisationSpec(
        code=SRC,
        kind="AGENCY",
        name=t(
            "Қазақстан Республикасы Қаржы министрлігінің Мемлекеттік кірістер комитеті",
            "Комитет государственных доходов Министерства финансов Республики Казахстан",
            "State Revenue Committee of the Ministry of Finance of the Republic of Kazakhstan",
        ),
        contact_email="risk-management@src.example.org",
        contact_phone="+7 7172 00 02 02",
        website="https://kgd.gov.kz",
    ),
    OrganisationSpec(
        code=REVIEW_BODY,
        kind="REVIEW_BODY",
        name=t(
            "Алгоритмдік шешімдерді қайта қарау жөніндегі тәуелсіз комиссия",
            "Независимая комиссия по пересмотру алгоритмических решений",
            "Independent Commission for Review of Algorithmic Decisions",
        ),
        contact_email="review@commission.example.org",
        contact_phone="+7 7172 00 03 03",
        website="https://commission.example.org",
    ),
    OrganisationSpec(
        code=OMBUDSMAN,
        kind="OMBUDSMAN",
        name=t(
            "Қазақстан Республикасындағы Адам құқықтары жөніндегі уәкіл",
            "Уполномоченный по правам человека в Республике Казахстан",
            "Commissioner for Human Rights in the Republic of Kazakhstan (Ombudsman)",
        ),
        contact_email="office@ombudsman.example.org",
        contact_phone="+7 7172 00 04 04",
        website="https://www.gov.kz/memleket/entities/ombudsman",
    ),
    OrganisationSpec(
        code=PORTAL,
        kind="PORTAL",
        name=t(
            "Алгоритмдік шешімдерге шағымдану порталының операторы",
            "Оператор портала обжалования алгоритмических решений",
            "Operator of the Portal for Appeals against Algorithmic Decisions",
        ),
        contact_email="support@portal.example.org",
        contact_phone="+7 7172 00 05 05",
        website="https://portal.example.org",
    ),
)


# --------------------------------------------------------------------------------------------------------------
# Registries (data sources). Codes are what the model specs name in each feature's "source".


def source(code: str, name: I18n, contributes: I18n) -> dict[str, Any]:
    return {"code": code, "name": name, "contributes": contributes}


REGISTRIES: dict[str, dict[str, Any]] = {
    s["code"]: s
    for s in (
        source(
            "ENPF_CONTRIBUTIONS",
            t(
                "Бірыңғай жинақтаушы зейнетақы қоры: міндетті зейнетақы жарналарының тізілімі",
                "Единый накопительный пенсионный фонд: реестр обязательных пенсионных взносов",
                "Unified Accumulative Pension Fund: register of mandatory pension contributions",
            ),
            t(
                "Соңғы 12 айдағы ресми кірістер: төленген жарналар бойынша есептеледі.",
                "Официальные доходы за последние 12 месяцев, рассчитанные по уплаченным взносам.",
                "Formal income over the last 12 months, derived from the contributions paid.",
            ),
        ),
        source(
            "ESUTD",
            t(
                "Еңбек шарттарын есепке алудың бірыңғай жүйесі",
                "Единая система учёта трудовых договоров",
                "Unified Employment Contract Register",
            ),
            t(
                "Еңбекке қабілетті жастағы отбасы мүшелерінің ішінде қолданыстағы еңбек шарты жоқтар.",
                "Кто из членов семьи трудоспособного возраста не имеет действующего трудового договора.",
                "Which working-age family members have no current employment contract.",
            ),
        ),
        source(
            "CBDI",
            t(
                "Мүгедектігі бар адамдардың орталықтандырылған дерекқоры (ЕХӘҚМ)",
                "Централизованная база данных лиц с инвалидностью (МТСЗН)",
                "Central database of persons with disabilities (MLSPP)",
            ),
            t(
                "Мүгедектігі белгіленген отбасы мүшелерінің саны.",
                "Число членов семьи с установленной инвалидностью.",
                "Number of family members with a recognised disability.",
            ),
        ),
        source(
            "CIVIL_REGISTRY",
            t(
                "АХАТ тізілімі (туу, неке және қайтыс болу туралы актілер)",
                "Реестр актов гражданского состояния (рождение, брак, смерть)",
                "Civil registry (births, marriages and deaths)",
            ),
            t(
                "Отбасы құрамы: 18 жасқа толмаған балалар саны.",
                "Состав семьи: число детей до 18 лет.",
                "Family composition: number of children under 18.",
            ),
        ),
        source(
            "GBD_FL",
            t(
                "«Жеке тұлғалар» мемлекеттік дерекқоры",
                "Государственная база данных «Физические лица»",
                "State Database of Individuals",
            ),
            t(
                "Бір мекенжайда тіркелген туыстар: отбасы мүшелерінің саны.",
                "Родственники, зарегистрированные по одному адресу: число членов семьи.",
                "Relatives registered at one address: the number of family members.",
            ),
        ),
        source(
            "GBD_RN",
            t(
                "«Жылжымайтын мүлік тіркелімі» мемлекеттік дерекқоры",
                "Государственная база данных «Регистр недвижимости»",
                "State Real Estate Register",
            ),
            t(
                "Отбасы мүшелеріне тиесілі тұрғын үй және бір адамға шаққандағы алаң.",
                "Жильё, принадлежащее членам семьи, и площадь на одного человека.",
                "Housing owned by family members, and floor area per person.",
            ),
        ),
        source(
            "MIA_VEHICLES",
            t(
                "ІІМ көлік құралдарының тізілімі",
                "Реестр транспортных средств МВД",
                "Vehicle register of the Ministry of Internal Affairs",
            ),
            t(
                "Отбасы мүшелерінің атына тіркелген көлік құралдары.",
                "Транспортные средства, зарегистрированные на членов семьи.",
                "Vehicles registered to family members.",
            ),
        ),
        source(
            "FCB_CREDIT",
            t("Бірінші кредиттік бюро", "Первое кредитное бюро", "First Credit Bureau"),
            t(
                "Отбасы мүшелерінің несиелері бойынша мерзімі өткен күндер.",
                "Дни просрочки по кредитам членов семьи.",
                "Days overdue on family members' loans.",
            ),
        ),
        source(
            "TAX_REGISTRY",
            t(
                "Салық төлеушілер тізілімі және декларациялар (Мемлекеттік кірістер комитеті)",
                "Реестр налогоплательщиков и декларации (Комитет государственных доходов)",
                "Taxpayer register and tax returns (State Revenue Committee)",
            ),
            t(
                "Жеке кәсіпкер ретінде тіркелген отбасы мүшелерінің декларацияланған табысы.",
                "Задекларированный доход членов семьи, зарегистрированных как ИП.",
                "Declared income of family members registered as individual entrepreneurs.",
            ),
        ),
        source(
            "MOA_LIVESTOCK",
            t(
                "Ауыл шаруашылығы жануарларын бірдейлендіру дерекқоры (Ауыл шаруашылығы министрлігі)",
                "База данных по идентификации сельскохозяйственных животных (Минсельхоз)",
                "Farm animal identification database (Ministry of Agriculture)",
            ),
            t(
                "Отбасыға тиесілі мал басы (шартты бас).",
                "Поголовье скота семьи (в условных головах).",
                "Livestock owned by the family (livestock units).",
            ),
        ),
        source(
            "NOBD",
            t(
                "Ұлттық білім беру дерекқоры",
                "Национальная образовательная база данных",
                "National Education Database",
            ),
            t(
                "Мектепке бармайтын мектеп жасындағы балалар.",
                "Дети школьного возраста, не посещающие школу.",
                "School-age children not attending school.",
            ),
        ),
        source(
            "FSMS_INSURED",
            t(
                "Әлеуметтік медициналық сақтандыру қоры",
                "Фонд социального медицинского страхования",
                "Social Health Insurance Fund",
            ),
            t(
                "Отбасының барлық мүшелері міндетті әлеуметтік медициналық сақтандыру жүйесінде сақтандырылған ба.",
                "Все ли члены семьи застрахованы в системе обязательного социального медицинского страхования.",
                "Whether every family member is insured under compulsory social health insurance.",
            ),
        ),
        source(
            "ASP_APPLICATIONS",
            t(
                "Атаулы әлеуметтік көмекке өтініштер (отбасы өзі көрсеткен мәліметтер)",
                "Заявления на адресную социальную помощь (сведения, указанные самой семьёй)",
                "Applications for targeted social assistance (information the family declared)",
            ),
            t(
                "Тізілімде жазба болмаса немесе ескірген болса: тұрғын үй мен табыс туралы отбасының мәлімдемесі.",
                "Если записи в регистре нет или она устарела: заявленные семьёй сведения о жилье и доходе.",
                "Where a registry has no record or an outdated one: housing and income as declared by the family.",
            ),
        ),
        source(
            "SRC_DECLARATIONS",
            t(
                "Салықтық есептілік ақпараттық жүйесі (Мемлекеттік кірістер комитеті)",
                "Информационная система налоговой отчётности (Комитет государственных доходов)",
                "Tax reporting system (State Revenue Committee)",
            ),
            t(
                "Декларацияланған табыстың өзгерісі және мерзімінен кеш тапсырылған декларациялар.",
                "Изменение задекларированного дохода и декларации, поданные с опозданием.",
                "Change in declared income, and returns filed late.",
            ),
        ),
        source(
            "SRC_VAT",
            t(
                "ҚҚС декларациялары (300.00 нысан)",
                "Декларации по НДС (форма 300.00)",
                "VAT returns (form 300.00)",
            ),
            t(
                "Айналымдағы қайтаруға ұсынылған ҚҚС үлесі.",
                "Доля НДС, заявленного к возврату, в обороте.",
                "Share of turnover claimed back as a VAT refund.",
            ),
        ),
        source(
            "SRC_KKM",
            t(
                "Бақылау-кассалық машиналардың фискалдық деректері (онлайн-ККМ)",
                "Фискальные данные контрольно-кассовых машин (онлайн-ККМ)",
                "Fiscal data of online cash registers",
            ),
            t(
                "Қолма-қол есеп айырысудың үлесі.",
                "Доля наличных расчётов.",
                "Share of cash settlements.",
            ),
        ),
        source(
            "SRC_RISK_REGISTER",
            t(
                "Жалған кәсіпорындар мен сенімсіз салық төлеушілер тізілімі",
                "Реестр лжепредприятий и неблагонадёжных налогоплательщиков",
                "Register of sham companies and unreliable taxpayers",
            ),
            t(
                "Жалған деп танылған контрагенттер саны.",
                "Число контрагентов, признанных лжепредприятиями.",
                "Number of counterparties found to be sham companies.",
            ),
        ),
        source(
            "GBD_UL",
            t(
                "«Заңды тұлғалар» мемлекеттік дерекқоры және кәсіпкерлерді тіркеу деректері",
                "Государственная база данных «Юридические лица» и данные о регистрации предпринимателей",
                "State database of legal entities and business registrations",
            ),
            t(
                "Тіркелген күні және негізгі қызмет түрі (ЭҚЖЖ).",
                "Дата регистрации и основной вид деятельности (ОКЭД).",
                "Registration date and main activity (economic activity code).",
            ),
        ),
        source(
            "SRC_AUDITS",
            t(
                "Салықтық тексерулер нәтижелерінің тізілімі",
                "Реестр результатов налоговых проверок",
                "Register of tax audit results",
            ),
            t(
                "Соңғы үш жылда расталған салық бұзушылықтары.",
                "Подтверждённые налоговые нарушения за последние три года.",
                "Tax violations confirmed in the last three years.",
            ),
        ),
    )
}

#: Registries a system draws on besides those its model's features name (declared or corrected values).
EXTRA_SOURCES: dict[str, tuple[str, ...]] = {
    "digital-family-card": ("TAX_REGISTRY", "ASP_APPLICATIONS"),
    "tax-risk": (),
}


# --------------------------------------------------------------------------------------------------------------
# Regions: the 17 regions and 3 cities of republican significance (2022 boundaries). Stored by English name.


@dataclass(frozen=True)
class Region:
    name: str
    population_k: int  # residents, thousands (rounded, 2025)
    urban_share: float
    poverty: float  # relative prevalence of low well-being, 1.0 = national average


REGIONS: tuple[Region, ...] = (
    Region("Abai", 610, 0.58, 1.0),
    Region("Akmola", 790, 0.50, 0.9),
    Region("Aktobe", 940, 0.66, 0.9),
    Region("Almaty region", 1530, 0.33, 1.0),
    Region("Atyrau", 700, 0.52, 0.9),
    Region("East Kazakhstan", 720, 0.64, 0.9),
    Region("Zhambyl", 1220, 0.40, 1.3),
    Region("Zhetisu", 700, 0.45, 1.1),
    Region("West Kazakhstan", 690, 0.52, 1.0),
    Region("Karaganda", 1130, 0.81, 0.8),
    Region("Kostanay", 830, 0.55, 0.8),
    Region("Kyzylorda", 840, 0.45, 1.3),
    Region("Mangystau", 790, 0.42, 1.4),
    Region("Pavlodar", 750, 0.71, 0.8),
    Region("North Kazakhstan", 530, 0.45, 0.9),
    Region("Turkestan", 2150, 0.20, 1.5),
    Region("Ulytau", 220, 0.80, 0.9),
    Region("Astana", 1500, 1.0, 0.6),
    Region("Almaty", 2300, 1.0, 0.6),
    Region("Shymkent", 1250, 1.0, 1.1),
)


# --------------------------------------------------------------------------------------------------------------
# Register entries of the two systems. Codes of data sources are filled in from the specs' features.

DFC = "digital-family-card"
TAX = "tax-risk"

DFC_SYSTEM: dict[str, Any] = {
    "code": DFC,
    "name": t(
        "Отбасының цифрлық картасы: отбасы әл-ауқатының деңгейін бағалау",
        "Цифровая карта семьи: оценка уровня благополучия семьи",
        "Digital Family Card: household well-being assessment",
    ),
    "summary": t(
        "Жүйе мемлекеттік тізілімдердің деректері бойынша әр отбасына ұпай береді және оны бес деңгейдің "
        "біріне жатқызады: A (дағдарыс), B (төтенше), C (қолайсыз), D (қанағаттанарлық), E (әл-ауқатты). "
        "A, B және C деңгейіндегі, яғни ұпайы D деңгейінің шегінен төмен отбасыларға өтінішсіз қолдау "
        "ұсынылады: атаулы әлеуметтік көмек, жұмыспен қамту шаралары және басқа да қызметтер.",
        "Система по данным государственных регистров начисляет каждой семье баллы и относит её к одному из "
        "пяти уровней: A (кризисный), B (экстренный), C (неблагополучный), D (удовлетворительный), "
        "E (благополучный). Семьям уровней A, B и C, то есть с баллом ниже порога уровня D, поддержка "
        "предлагается без заявления: адресная социальная помощь, меры содействия занятости и другие услуги.",
        "The system scores every family from state registry data and places it in one of five levels: "
        "A (crisis), B (emergency), C (disadvantaged), D (satisfactory), E (prosperous). Families at levels A, B "
        "and C, that is, scoring below the level-D cut-off, are offered support without having to apply: "
        "targeted social assistance, employment measures and other services.",
    ),
    "purpose": t(
        "Қиын өмірлік жағдайға тап болған отбасыларды ерте анықтап, оларға өтініш бергенге дейін "
        "мемлекеттік қолдау ұсыну және өңірлер бойынша әлеуметтік бағдарламаларды жоспарлау.",
        "Своевременно выявлять семьи в трудной жизненной ситуации и предлагать им меры государственной "
        "поддержки до подачи заявления, а также планировать социальные программы по регионам.",
        "To find families in difficulty early, offer them state support before they apply, and plan social "
        "programmes region by region.",
    ),
    "legal_basis": t(
        "Қазақстан Республикасының 2023 жылғы 20 сәуірдегі № 224-VII Әлеуметтік кодексі; «Жасанды "
        "интеллект туралы» Қазақстан Республикасының Заңы; Еңбек және халықты әлеуметтік қорғау министрінің "
        "бұйрығымен бекітілген отбасы әл-ауқатының деңгейін айқындау әдістемесі.",
        "Социальный кодекс Республики Казахстан от 20 апреля 2023 года № 224-VII; Закон Республики "
        "Казахстан «Об искусственном интеллекте»; методика определения уровня благополучия семьи, "
        "утверждённая приказом Министра труда и социальной защиты населения.",
        "Social Code of the Republic of Kazakhstan No. 224-VII of 20 April 2023; Law of the Republic of "
        "Kazakhstan “On Artificial Intelligence”; the methodology for determining a family's well-being level "
        "approved by order of the Minister of Labour and Social Protection of the Population.",
    ),
    "legal_basis_url": "https://adilet.zan.kz/rus/docs/K2300000224",
    "decision_type": "BENEFIT",
    "affected_population": t(
        "Қазақстанда тіркелген барлық отбасылар; үй шаруашылығының бағасы отбасының әрбір кәмелетке толған "
        "мүшесіне қатысты шешім ретінде жазылады.",
        "Все семьи, зарегистрированные в Казахстане; оценка домохозяйства записывается как решение в "
        "отношении каждого совершеннолетнего члена семьи.",
        "Every family registered in Kazakhstan; the household's assessment is recorded as a decision about "
        "each adult member of the family.",
    ),
    "decisions_per_year": 4_200_000,
    "automation_level": "DECIDES",
    "human_involvement": t(
        "Деңгей адамның қатысуынсыз беріледі. Аудандық жұмыспен қамту және әлеуметтік бағдарламалар "
        "бөлімінің маманы A және B деңгейіндегі отбасылардың бір бөлігін көмек ұсынылар алдында тексереді "
        "және тізілім деректерін түзетуді сұрата алады. Отбасы шағымданбаса, D және E деңгейлерін ешкім "
        "қарамайды.",
        "Уровень присваивается без участия человека. Специалист районного отдела занятости и социальных "
        "программ проверяет часть семей уровней A и B перед предложением помощи и может запросить "
        "исправление данных регистров. Уровни D и E никто не пересматривает, если семья не обжалует оценку.",
        "The level is assigned without a person. A specialist of the district employment and social "
        "programmes department checks some families at levels A and B before support is offered and can ask "
        "for registry data to be corrected. Levels D and E are not looked at by anyone unless the family appeals.",
    ),
    "impact_level": "HIGH",
    "known_limitations": t(
        "Бейресми жұмыс, шетелден және туыстардан келетін ақша тізілімдерде көрінбейді, сондықтан кейбір "
        "отбасылардың жағдайы шын мәнінен жақсы немесе нашар болып көрінеді. Тізілім жазбалары ескіруі мүмкін "
        "(сатылған көлік немесе жабылған несие әлі тіркелулі тұруы мүмкін). Отбасы құрамы нақты бірге "
        "тұратындар бойынша емес, тіркелген мекенжай бойынша анықталады. Шектен сәл жоғары балл алған "
        "отбасыларға хабарлама жіберілмейді: олар бағаланғанын білмеуі мүмкін. Ауыл тұрғындары үшін "
        "шекке жақын қате теріс нәтижелер үлесі жоғары.",
        "Неформальная занятость, переводы из-за рубежа и помощь родственников не видны в регистрах, поэтому "
        "положение части семей выглядит лучше или хуже, чем на самом деле. Записи регистров устаревают "
        "(проданный автомобиль или закрытый кредит могут всё ещё числиться). Состав семьи определяется по "
        "адресу регистрации, а не по фактическому проживанию. Семьи с баллом чуть выше порога не получают "
        "уведомления и могут не знать, что их оценивали. У сельских жителей доля ложноотрицательных "
        "результатов вблизи порога выше.",
        "Informal work, remittances from abroad and help from relatives are invisible to the registries, so "
        "some families look better or worse off than they are. Registry records go out of date (a sold car or a "
        "closed loan may still be recorded). Family composition follows registered addresses, not who actually "
        "lives together. Families scoring just above the cut-off are not notified and may not know they were "
        "assessed. Near the cut-off the false-negative rate is higher for rural residents.",
    ),
    "appeal_window_days": 30,
    "review_deadline_working_days": 20,
    "near_threshold_band": 5.0,  # points either side of the support cut-off
    "responsible_official": t(
        "ЕХӘҚМ Әлеуметтік көмекті цифрландыру департаментінің директоры",
        "Директор Департамента цифровизации социальной помощи МТСЗН",
        "Director, Department of Social Assistance Digitalisation, MLSPP",
    ),
    "contact_email": "digital-family-card@mlsp.example.org",
    "contact_phone": "+7 7172 00 01 01",
}

TAX_SYSTEM: dict[str, Any] = {
    "code": TAX,
    "name": t(
        "Жеке кәсіпкерлердің салық есептілігін тәуекел бойынша іріктеу",
        "Отбор налоговой отчётности индивидуальных предпринимателей по степени риска",
        "Risk-based selection of individual entrepreneurs' tax returns",
    ),
    "summary": t(
        "Логистикалық модель жеке кәсіпкердің декларациясында салықтың кемітілу ықтималдығын бағалайды. "
        "Ықтималдығы шекті мәнге жеткен декларациялар инспектордың камералдық бақылауына іріктеледі; "
        "модельдің өзі салық есептемейді және айыппұл салмайды.",
        "Логистическая модель оценивает вероятность того, что в декларации индивидуального предпринимателя "
        "занижен налог. "
        "Декларации, вероятность по которым достигает порога, отбираются для камерального контроля "
        "инспектором; сама модель не начисляет налог и не налагает штрафов.",
        "A logistic model estimates the probability that an individual entrepreneur's tax return understates "
        "the tax due. "
        "Returns whose probability reaches the threshold are selected for a desk audit by an inspector; the "
        "model itself assesses no tax and imposes no penalty.",
    ),
    "purpose": t(
        "Шектеулі тексеру ресурстарын кездейсоқ іріктеудің орнына қате болу ықтималдығы жоғары "
        "декларацияларға бағыттау.",
        "Направлять ограниченные ресурсы проверок на декларации с наибольшей вероятностью ошибок вместо "
        "случайного отбора.",
        "To direct limited inspection capacity at the returns most likely to contain errors, instead of "
        "selecting them at random.",
    ),
    "legal_basis": t(
        "«Салық және бюджетке төленетін басқа да міндетті төлемдер туралы» Қазақстан Республикасының Кодексі "
        "(Салық кодексі): тәуекелдерді басқару жүйесі және камералдық бақылау туралы ережелер; «Жасанды "
        "интеллект туралы» Қазақстан Республикасының Заңы.",
        "Кодекс Республики Казахстан «О налогах и других обязательных платежах в бюджет» (Налоговый кодекс): "
        "положения о системе управления рисками и камеральном контроле; Закон Республики Казахстан "
        "«Об искусственном интеллекте».",
        "Code of the Republic of Kazakhstan “On Taxes and Other Obligatory Payments to the Budget” (Tax Code): "
        "provisions on the risk management system and desk audits; Law of the Republic of Kazakhstan “On "
        "Artificial Intelligence”.",
    ),
    "legal_basis_url": "https://adilet.zan.kz/rus/docs/K1700000120",
    "decision_type": "TAX",
    "affected_population": t(
        "Салық есептілігін тапсыратын жеке кәсіпкерлер (ЖСН бойынша сәйкестендіріледі).",
        "Индивидуальные предприниматели, представляющие налоговую отчётность (идентифицируются по ИИН).",
        "Individual entrepreneurs who file tax returns (identified by their IIN).",
    ),
    "decisions_per_year": 1_300_000,
    "automation_level": "TRIAGES",
    "human_involvement": t(
        "Модель тек декларацияларды іріктейді. Мемлекеттік кірістер органының инспекторы әрбір іріктелген "
        "декларацияны зерделеп, бұзушылықтарды жою туралы хабарлама жіберу-жібермеуді шешеді; инспектордың "
        "шешімінсіз салық қосымша есептелмейді.",
        "Модель только отбирает декларации. Инспектор органа государственных доходов изучает каждую "
        "отобранную декларацию и решает, направлять ли уведомление об устранении нарушений; без решения "
        "инспектора налог не доначисляется.",
        "The model only selects returns. A state revenue inspector examines every selected return and decides "
        "whether to send a notice to correct it; no additional tax is assessed without the inspector's decision.",
    ),
    "impact_level": "MODERATE",
    "known_limitations": t(
        "Модель бұрынғы тексерулердің нәтижелерімен оқытылған, ал олар қателер қай жерде екенін емес, "
        "инспекторлар қай жерді тексергенін көрсетеді. Заңды ұсақ түсімдері көп адамдар (мысалы, жеке "
        "заттарын интернетте сататындар) жиі іріктеледі. Мүлік туралы мәліметтер бір тоқсанға дейін кешігеді.",
        "Модель обучена на результатах прошлых проверок, которые отражают, где искали инспекторы, а не где "
        "на самом деле ошибки. Люди с множеством мелких законных поступлений (например, продающие личные "
        "вещи через интернет) отбираются чаще. Сведения об имуществе запаздывают до одного квартала.",
        "The model was trained on the results of past inspections, which show where inspectors looked rather "
        "than where errors are. People with many small legitimate receipts (for example, selling personal "
        "belongings online) are selected more often. Property data lag by up to a quarter.",
    ),
    "appeal_window_days": 30,
    "review_deadline_working_days": 20,
    "near_threshold_band": 0.05,  # probability either side of the selection threshold
    "responsible_official": t(
        "Мемлекеттік кірістер комитетінің Тәуекелдерді басқару басқармасының басшысы",
        "Руководитель Управления риск-менеджмента Комитета государственных доходов",
        "Head, Risk Management Department, State Revenue Committee",
    ),
    "contact_email": "risk-management@src.example.org",
    "contact_phone": "+7 7172 00 02 02",
}
